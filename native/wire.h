// Protobuf wire-format primitives. The messages they build are defined in
// proto/alloctrace.proto; keep field numbers in encoder.cc in step with it.
#pragma once
#include <cstdint>
#include <string>

namespace alloctrace {
namespace wire {

enum WireType : uint32_t { kVarint = 0, kLengthDelimited = 2 };

inline void Varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void Tag(std::string* out, uint32_t field, WireType type) {
  Varint(out, (static_cast<uint64_t>(field) << 3) | type);
}

// proto3 leaves default values out; so do we, which keeps records small.
inline void UintField(std::string* out, uint32_t field, uint64_t v) {
  if (v == 0) return;
  Tag(out, field, kVarint);
  Varint(out, v);
}

inline void BytesField(std::string* out, uint32_t field, const std::string& bytes) {
  if (bytes.empty()) return;
  Tag(out, field, kLengthDelimited);
  Varint(out, bytes.size());
  out->append(bytes);
}

// A nested message is always written, even when empty, so that the oneof in
// Record says which kind it is.
inline void MessageField(std::string* out, uint32_t field, const std::string& msg) {
  Tag(out, field, kLengthDelimited);
  Varint(out, msg.size());
  out->append(msg);
}

}  // namespace wire
}  // namespace alloctrace
