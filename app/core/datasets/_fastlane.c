/*
 * The JSON Lines fast lane in C: see app/core/datasets/fastlane.py (the reference, in Python)
 * and app/core/datasets/nativelane.py (which calls this).
 *
 * scan() takes a batch of whole lines and, for each line that takes the fast lane, gives its
 * RFC 8785 canonical bytes, the PII detector families that could still find something in it
 * (a port of pii/prefilter.line_families) and its Merkle leaf hash, without making a Python
 * object per value. Every line it has any doubt about is reported as not taken (None): the
 * caller sends it the full way, so a doubt here only costs time, never correctness. The
 * lines it takes are those of the Python lane: ASCII without a backslash or DEL, an object,
 * each float spelled by repr as ECMAScript does, no run of 16 digits in a number. A line
 * with a string that starts or ends with a space or holds two in a row is taken once
 * normalised, as the stage would (values trimmed, runs of spaces collapsed; keys kept), and
 * flagged NORMALIZED; its families are then those of its canonical text, as in the Python
 * lane (fastlane.finish_normalized). Beyond the Python lane, it takes a line whose values
 * (not keys) hold JSON escapes of ASCII below DEL, decoded and normalised by the default
 * rules (line endings, trimming, collapsed spaces), flagged NORMALIZED, when its canonical
 * text then needs no escape (a trailing line break, a tab between words, "\/"): every
 * canonical text it gives is ASCII without a backslash, which the stage's PII text lane
 * relies on. It refuses duplicate keys and nesting deeper than MAX_DEPTH.
 *
 * How: each line is parsed into an array of nodes (slices of the line, floats respelled by
 * repr unless they are spelled so already), then written with each object's keys sorted;
 * the PII families are looked up in the raw line as the Python prefilter does, 16 bytes at
 * a time where SSE2 is there (line_families); the leaf is SHA-256(0x00 || SHA-256(canonical)).
 * merkle_pairs() hashes the interior nodes of a Merkle tree, a level at a time. find_pii()
 * runs the PII detectors over one ASCII string where C can be sure (pii/native_find.py), and
 * redact_line() the PII text lane over a whole canonical line (pii/textlane.py).
 *
 * Files: this one holds the definitions every part uses and the module; the parts in
 * fastlane_c/ (JSON reading and writing, the families, the lane, the PII detectors, the line
 * redaction) are #included below, in order, so the extension stays one translation unit:
 * everything static and inlined across parts, one source list for setup.py, whose digest of
 * this file and its parts (nativelane.source_digest) tells a stale build.
 *
 * Bounded: nesting is limited (MAX_DEPTH, the only recursion), a line's values too
 * (MAX_NODES), sorting is a merge sort (n log n whatever the keys), and the output has room
 * for the line plus its respelled floats before it is written (a string with escapes makes
 * room for itself: it is written no longer than it was read, but it does not rely on that).
 */
#define _GNU_SOURCE /* memmem */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define WIDE 1
static int wide; /* the CPU has AVX2: line_families reads 32 positions at a time */
#endif

#ifdef __SSE2__
#define LOAD(at) _mm_loadu_si128((const __m128i *)(const void *)(at))
#define IS(v, c) _mm_cmpeq_epi8((v), _mm_set1_epi8((char)(c)))
#define AND(a, b) _mm_and_si128((a), (b))
#define OR(a, b) _mm_or_si128((a), (b))
#define MASK(v) ((unsigned)_mm_movemask_epi8(v))
#define DIGITS_IN(v) AND(_mm_cmpgt_epi8((v), _mm_set1_epi8('0' - 1)), \
                         _mm_cmplt_epi8((v), _mm_set1_epi8('9' + 1)))
#endif

#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init and co: see leaf() */
#include <openssl/evp.h>
#include <openssl/sha.h>

#define ABI 3
#ifndef FASTLANE_SOURCE
#define FASTLANE_SOURCE "" /* setup.py passes a digest of this file */
#endif
#define MAX_DEPTH 32
#define MAX_NODES (1u << 18) /* values in one line (6 MiB of nodes); more: the full way */
#define NO_NODE UINT32_MAX

/* PII detector families, as in pii/prefilter.py */
#define EMAIL 1
#define DIGITS 2
#define IPV6 4
#define KNOWN_SECRETS 8
#define PRIVATE_KEYS 16
#define ASSIGNED_SECRETS 32
#define ALL_FAMILIES 63
#define NORMALIZED 64 /* with the families: the line's strings were normalised */

enum { SLOW = 1, FAILED = -1 }; /* results besides 0: not taken, or failed: a Python error
                                    is set, or none when memory ran out (the caller raises) */
enum { K_OBJECT, K_ARRAY, K_STRING, K_INT, K_FLOAT, K_LITERAL };

typedef struct {
    uint32_t start, len; /* the token in the line (strings: inside the quotes); a float's
                            repr in the float buffer */
    uint32_t child;      /* containers: first child (objects: key, value, key, value...) */
    uint32_t next;       /* the next sibling */
    uint32_t count;      /* containers: children */
    uint8_t kind;
    uint8_t spaced; /* value strings: to be normalised (spaces at an end or doubled) */
    uint8_t escaped; /* value strings: with escapes, decoded and normalised when written */
} Node;

typedef struct {
    char *data;
    size_t len, cap;
    int borrowed; /* data is a Python object's storage: grown into a buffer of its own */
} Buf;

typedef struct {
    const unsigned char *line;
    size_t n, pos;
    Node *nodes;
    uint32_t used, capacity, ordered; /* nodes used and allocated; room in order, spare */
    int out_of_memory;
    int nogil; /* running without the GIL: a float to respell makes the line SLOW */
    Buf floats;
    uint32_t *order, *spare; /* key orders while writing, and merge sort space */
    size_t top;
    Buf out;
    int candidate; /* a digit candidate inside a string (the DIGITS family) */
    int spaced;    /* a string (key or value) has spaces at an end or doubled */
    int escaped;   /* a value string has escapes */
    int want_families;
    Buf padded;                /* the line copied for the PII families */
    Buf text;                  /* a string with escapes, decoded */
    const struct Named *named; /* the words of the ASSIGNED_SECRETS test */
} Lane;

/* Character classes. */
static unsigned char is_digit[256];
static unsigned char in_number[256]; /* digits and - . / ( ) space: folded [0. ] */
static unsigned char is_letter[256];
static unsigned char fold[256];      /* pii/prefilter.FOLD */
static unsigned char may_start[256]; /* bytes where a family's test may hold (line_families) */

/* The lowest set bit's position in a mask that is not 0. */
static inline unsigned
lowest(unsigned mask)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(mask);
#else
    unsigned k = 0;
    while (!(mask & 1u)) {
        mask >>= 1;
        k++;
    }
    return k;
#endif
}

static void
init_tables(void)
{
    for (int c = 0; c < 256; c++) {
        is_digit[c] = c >= '0' && c <= '9';
        is_letter[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        in_number[c] = is_digit[c] || (c != 0 && strchr("-./() ", c) != NULL);
        fold[c] = (unsigned char)c;
        if (is_digit[c])
            fold[c] = '0';
        else if (c != 0 && strchr("-./()", c) != NULL)
            fold[c] = '.';
        else if (c >= 'A' && c <= 'Z')
            fold[c] = (unsigned char)(c + 32);
    }
    for (const char *c = "@=:_-AeEShP "; *c; c++)
        may_start[(unsigned char)*c] = 1;
#ifdef WIDE
    __builtin_cpu_init();
    const char *narrow = getenv("TESSERA_FASTLANE_NO_AVX2"); /* "1": the 16-byte pass */
    wide = __builtin_cpu_supports("avx2") &&
           (narrow == NULL || narrow[0] == 0 || strcmp(narrow, "0") == 0);
#endif
}

static int
reserve(Buf *buf, size_t more)
{
    if (buf->len + more <= buf->cap)
        return 0;
    size_t cap = buf->cap ? buf->cap : 4096;
    while (cap < buf->len + more)
        cap *= 2;
    char *data = buf->borrowed ? PyMem_RawMalloc(cap) : PyMem_RawRealloc(buf->data, cap);
    if (data == NULL)
        return FAILED;
    if (buf->borrowed && buf->len)
        memcpy(data, buf->data, buf->len);
    buf->borrowed = 0;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

/* Whether the text holds a match of prefilter._FOLDED_CANDIDATE, 0(?:[0. ]{5,}0|000[a-z]),
 * over its folded form: two digits at least six apart in one run of [0-9 -./()], or four
 * digits right before a letter. (A match cannot hold a quote, so a string is checked alone.) */
static int
digit_candidate(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
#ifdef __SSE2__
        for (; i + 16 <= len; i += 16) { /* to the next digit, 16 bytes at a time */
            unsigned found = MASK(DIGITS_IN(LOAD(s + i)));
            if (found) {
                i += lowest(found);
                break;
            }
        }
        if (i >= len)
            break;
#endif
        if (!is_digit[s[i]]) {
            i++;
            continue;
        }
        size_t first = i, last = i, in_row = 0, j = i;
        for (; j < len && in_number[s[j]]; j++) {
            if (is_digit[s[j]]) {
                last = j;
                in_row++;
            }
            else {
                in_row = 0;
            }
        }
        if (last - first >= 6 || (j < len && is_letter[s[j]] && in_row >= 4))
            return 1;
        i = j + 1;
    }
    return 0;
}

/* Whether a compact JSON text without backslashes has a digit candidate in a string (the
   text between a quote with an even number of quotes before it and the next one). */
static int
candidate_in_strings(const unsigned char *s, size_t n)
{
    const unsigned char *end = s + n, *open = memchr(s, '"', n);
    while (open != NULL) {
        const unsigned char *close = memchr(open + 1, '"', (size_t)(end - open - 1));
        if (close == NULL)
            return 0;
        if (digit_candidate(open + 1, (size_t)(close - open - 1)))
            return 1;
        open = close + 1 < end ? memchr(close + 1, '"', (size_t)(end - close - 1)) : NULL;
    }
    return 0;
}

static void
skip_space(Lane *p)
{
    while (p->pos < p->n) {
        unsigned char c = p->line[p->pos];
        if (c != ' ' && c != '\t' && c != '\r')
            break;
        p->pos++;
    }
}

/* The rest of the extension, in the order it is compiled: one translation unit (everything
   static, inlined across parts, nothing exported but the module), kept in files by topic. */
#include "fastlane_c/json_parse.c"
#include "fastlane_c/json_write.c"
#include "fastlane_c/families.c"
#include "fastlane_c/lane.c"
#include "fastlane_c/pii_find.c"
#include "fastlane_c/pii_digits.c"
#include "fastlane_c/pii_iban.c"
#include "fastlane_c/redact_line.c"
#include "fastlane_c/batch.c"
#include "fastlane_c/sketch.c"
#include "fastlane_c/exact_index.c"
#include "fastlane_c/seal.c"

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(data, anchors, max_line, families, leaves)\n"
     "-> (canonical, families, leaves, special, starts)"},
    {"merkle_pairs", merkle_pairs, METH_O,
     "merkle_pairs(nodes) -> parents: SHA-256(0x01 || left || right) of each pair of 32-byte "
     "nodes"},
    {"find_pii", find_pii, METH_VARARGS,
     "find_pii(text, families, plan, types, regions, phone=None) -> "
     "[(start, end, kind, detector)] | None"},
    {"redact_line", redact_line, METH_VARARGS,
     "redact_line(canonical, families, plan, types, regions, phone, tags) -> "
     "(line, leaf | None, kinds) | None"},
    {"prepare_lines", prepare_lines, METH_VARARGS,
     "prepare_lines(data, anchors, max_line, families, text_lane) -> "
     "(text, ends, leaves, status, families, kinds, kind_ends, starts)"},
    {"sketch_lines", sketch_lines, METH_VARARGS,
     "sketch_lines(text, ends, positions, max_columns) -> (columns, slow): the schema sketch "
     "of sampled canonical lines, per column"},
    {"hll_register", hll_register, METH_VARARGS,
     "hll_register(registers, hashes, precision) -> None: HyperLogLog registers raised for "
     "packed uint64 hashes"},
    {"index_add", index_add, METH_VARARGS,
     "index_add(table, used, keys, stride, base, local, skip) -> (used, [(position, first)])"},
    {"count_lines", count_lines, METH_VARARGS, "count_lines(data, start, end) -> newlines"},
    {"seal_chunks", seal_chunks, METH_VARARGS,
     "seal_chunks(key, src, dst, counter, count, last, final): age payload chunks sealed"},
    {"index_get", index_get, METH_VARARGS, "index_get(table, key) -> first index | None"},
    {"index_rehash", index_rehash, METH_VARARGS, "index_rehash(old, new)"},
    {"index_items", index_items, METH_O, "index_items(table) -> (keys, values, starts)"},
    {"filter_maybe", filter_maybe, METH_VARARGS, "filter_maybe(words, keys, stride) -> [position]"},
    {"filter_add", filter_add, METH_VARARGS, "filter_add(words, keys, stride)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastlane", "The JSON Lines fast lane in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__fastlane(void)
{
    init_tables();
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "ABI", ABI) != 0 ||
                      PyModule_AddStringConstant(m, "SOURCE", FASTLANE_SOURCE) != 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
