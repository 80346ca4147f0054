/* The libc subset the freestanding c-echo flavor needs.
 *
 * Allocator: a bump arena over linear memory starting at __heap_base, with a
 * count of live blocks. When every block has been freed the arena rewinds,
 * so each call (whose arguments, results and post-return data the
 * wit-bindgen glue frees) starts from an empty heap. realloc of the most
 * recent block grows it in place. Every block is 8-byte aligned, which
 * covers every alignment the canonical ABI asks cabi_realloc for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern unsigned char __heap_base;

typedef struct {
  size_t size;
  size_t pad; /* keeps the payload 8-byte aligned */
} header_t;

static uintptr_t heap_top; /* first free byte; 0 = not started */
static uintptr_t last;     /* payload of the most recent block, or 0 */
static size_t live;        /* blocks allocated and not yet freed */

#define ALIGN8(x) (((x) + 7) & ~(uintptr_t)7)

static void ensure_memory(uintptr_t end) {
  size_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end <= have) return;
  size_t pages = (end - have + 65535u) / 65536u;
  if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) abort();
}

void *malloc(size_t size) {
  if (heap_top == 0 || live == 0) {
    heap_top = ALIGN8((uintptr_t)&__heap_base);
    last = 0;
  }
  uintptr_t block = heap_top;
  uintptr_t payload = block + sizeof(header_t);
  if (size > UINTPTR_MAX - payload - 8) abort();
  uintptr_t end = ALIGN8(payload + size);
  ensure_memory(end);
  ((header_t *)block)->size = size;
  heap_top = end;
  last = payload;
  live++;
  return (void *)payload;
}

void free(void *ptr) {
  if (ptr == NULL || live == 0) return;
  if ((uintptr_t)ptr == last) {
    /* Freeing the newest block gives its space back at once. */
    heap_top = last - sizeof(header_t);
    last = 0;
  }
  live--;
}

void *realloc(void *ptr, size_t size) {
  if (ptr == NULL) return malloc(size);
  if (size == 0) {
    free(ptr);
    return NULL;
  }
  header_t *h = (header_t *)ptr - 1;
  if ((uintptr_t)ptr == last) {
    uintptr_t end = ALIGN8((uintptr_t)ptr + size);
    ensure_memory(end);
    h->size = size;
    heap_top = end;
    return ptr;
  }
  if (size <= h->size) {
    h->size = size;
    return ptr;
  }
  void *fresh = malloc(size);
  memcpy(fresh, ptr, h->size);
  free(ptr);
  return fresh;
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
