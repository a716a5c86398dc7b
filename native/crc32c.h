// CRC32C (Castagnoli), the checksum each record of a format-2 trace carries.
// Called only from the writer's background thread. Uses the SSE4.2 crc32
// instruction when the CPU has it, else a byte-wise table.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define ALLOCTRACE_CRC32C_SSE42 1
#endif

namespace alloctrace {
namespace crc32c_detail {

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;  // reflected 0x1EDC6F41
    table[n] = c;
  }
  return table;
}

inline constexpr std::array<uint32_t, 256> kTable = MakeTable();

inline uint32_t Portable(uint32_t crc, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; i++) crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#ifdef ALLOCTRACE_CRC32C_SSE42
__attribute__((target("sse4.2"))) inline uint32_t Sse42(uint32_t crc, const unsigned char* p, size_t n) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; n--, p++) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}
#endif

}  // namespace crc32c_detail

// The CRC32C of data[0, n): initial value and final xor 0xFFFFFFFF, so that
// Crc32c("123456789") == 0xE3069283 (the standard check value).
inline uint32_t Crc32c(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
#ifdef ALLOCTRACE_CRC32C_SSE42
  static const bool sse42 = __builtin_cpu_supports("sse4.2");
  if (sse42) return ~crc32c_detail::Sse42(0xFFFFFFFFu, p, n);
#endif
  return ~crc32c_detail::Portable(0xFFFFFFFFu, p, n);
}

}  // namespace alloctrace
