/* libc.c: the libc subset a freestanding wasm32 flavor needs (no libc, no
 * WASI): malloc, calloc, realloc, free, abort, memcpy, memmove, memset,
 * memcmp, strlen, declared by include/stdlib.h and include/string.h.
 *
 * Independent of the contract: the wit-bindgen C glue of any version of
 * alerter:flavor (0.1 for plugins/c-echo, 0.2 for plugins/ntfy) calls only
 * these. Not compiled in native test builds, which link the real libc. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An arena over linear memory from __heap_base, with a count of live
 * blocks: when every block has been freed the arena rewinds, so each call
 * (whose arguments and results the generated glue frees) starts empty.
 * Freeing or growing the newest block works in place. Blocks are 8-byte
 * aligned, enough for every canonical-ABI alignment. free() ignores
 * pointers outside the arena (a literal returned by mistake). */
extern unsigned char __heap_base;

typedef struct {
  size_t size;
  size_t pad;
} block_t;

static uintptr_t heap_start, heap_top, last;
static size_t live;

#define ALIGN8(x) (((x) + 7) & ~(uintptr_t)7)

static void grow_to(uintptr_t end) {
  size_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end <= have) return;
  if (__builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (size_t)-1) abort();
}

void *malloc(size_t size) {
  if (heap_top == 0 || live == 0) {
    heap_start = heap_top = ALIGN8((uintptr_t)&__heap_base);
    last = 0;
  }
  uintptr_t payload = heap_top + sizeof(block_t);
  if (size > UINTPTR_MAX - payload - 8) abort();
  uintptr_t end = ALIGN8(payload + size);
  grow_to(end);
  ((block_t *)heap_top)->size = size;
  heap_top = end;
  last = payload;
  live++;
  return (void *)payload;
}

static bool in_heap(void *p) {
  return heap_start && (uintptr_t)p >= heap_start + sizeof(block_t) && (uintptr_t)p < heap_top;
}

void free(void *p) {
  if (p == NULL || live == 0 || !in_heap(p)) return;
  if ((uintptr_t)p == last) {
    heap_top = last - sizeof(block_t);
    last = 0;
  }
  live--;
}

void *realloc(void *p, size_t size) {
  if (p == NULL) return malloc(size);
  if (!in_heap(p)) abort();
  if (size == 0) {
    free(p);
    return NULL;
  }
  block_t *b = (block_t *)p - 1;
  if ((uintptr_t)p == last) {
    uintptr_t end = ALIGN8((uintptr_t)p + size);
    grow_to(end);
    b->size = size;
    heap_top = end;
    return p;
  }
  if (size <= b->size) {
    b->size = size;
    return p;
  }
  void *fresh = malloc(size);
  memcpy(fresh, p, b->size);
  free(p);
  return fresh;
}

void *calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) abort();
  void *p = malloc(n * size);
  memset(p, 0, n * size);
  return p;
}

_Noreturn void abort(void) { __builtin_trap(); }

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
