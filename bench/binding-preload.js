'use strict';
// Start-up breakdown for callgrind: loads alloctrace's native binding (as the
// preload does) without starting the tracer.
require('../dist/native').loadNative();
