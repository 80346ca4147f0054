/* Minimal <stdlib.h> for freestanding wasm32 flavors (no libc): what the
 * wit-bindgen C glue and the SDK use. Implemented in ../libc.c. */
#pragma once
#include <stddef.h>

void *malloc(size_t size);
void *realloc(void *ptr, size_t size);
void *calloc(size_t n, size_t size);
void free(void *ptr);
_Noreturn void abort(void);
