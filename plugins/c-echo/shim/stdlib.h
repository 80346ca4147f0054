/* Minimal <stdlib.h> for the freestanding wasm32 build (no libc): only what
 * the wit-bindgen C glue and c_echo.c use. Implemented in shim.c. */
#pragma once
#include <stddef.h>

void *malloc(size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
_Noreturn void abort(void);
