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
 * merkle_pairs() hashes the interior nodes of a Merkle tree, a level at a time.
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

enum { SLOW = 1, FAILED = -1 }; /* results besides 0: not taken, or a Python error is set */
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
} Buf;

typedef struct {
    const unsigned char *line;
    size_t n, pos;
    Node *nodes;
    uint32_t used, capacity, ordered; /* nodes used and allocated; room in order, spare */
    int out_of_memory;
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
    char *data = PyMem_Realloc(buf->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
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

/* A new node's index, or NO_NODE for a line with too many values or no memory left. */
static uint32_t
new_node(Lane *p, uint8_t kind, size_t start)
{
    if (p->used == p->capacity) {
        uint32_t capacity = p->capacity ? 2 * p->capacity : 256;
        if (capacity > MAX_NODES)
            return NO_NODE;
        Node *nodes = PyMem_Realloc(p->nodes, capacity * sizeof(Node));
        if (nodes == NULL) {
            p->out_of_memory = 1;
            return NO_NODE;
        }
        p->nodes = nodes;
        p->capacity = capacity;
    }
    Node *node = &p->nodes[p->used];
    node->kind = kind;
    node->start = (uint32_t)start;
    node->len = 0;
    node->child = node->next = NO_NODE;
    node->count = 0;
    node->spaced = 0;
    node->escaped = 0;
    return p->used++;
}

/* The value of four hex digits, or -1. */
static int
hex4(const unsigned char *s)
{
    int value = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = s[k];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

/* A value string with escapes from line[start] (after its quote): taken when each escape is
   one of JSON's and stands for ASCII below DEL, and the rest is printable ASCII. It is
   decoded, normalised and encoded again when written (write_escaped), and flags the line
   NORMALIZED: its record is orjson's parse normalised, as for spaced strings. */
static int
parse_escaped(Lane *p, uint32_t *out, size_t start)
{
    const unsigned char *text = p->line + start;
    size_t room = p->n - start, i = 0;
    for (;;) {
        if (i >= room)
            return SLOW;
        unsigned char c = text[i];
        if (c == '"')
            break;
        if (c < 0x20 || c >= 0x7f)
            return SLOW;
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= room)
            return SLOW;
        switch (text[i + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            i += 2;
            break;
        case 'u': {
            if (room - i < 6) /* (a closing quote must follow) */
                return SLOW;
            int value = hex4(text + i + 2);
            if (value < 0 || value >= 0x7f)
                return SLOW; /* DEL, not ASCII (NFC, surrogates...): the full way */
            i += 6;
            break;
        }
        default:
            return SLOW;
        }
    }
    if ((*out = new_node(p, K_STRING, start)) == NO_NODE)
        return p->out_of_memory ? FAILED : SLOW;
    p->nodes[*out].len = (uint32_t)i;
    p->nodes[*out].escaped = 1;
    p->spaced = p->escaped = 1;
    p->pos = start + i + 1;
    return 0;
}

static int
parse_string(Lane *p, uint32_t *out, int key)
{
    size_t start = ++p->pos, room = p->n - start, len = 0;
    const unsigned char *text = p->line + start;
    /* The closing quote, and before it: a byte the lane does not take, a digit, two spaces
       in a row. Strings are most of a line: 16 bytes at a time while 17 are left. */
    unsigned bad = 0, spaces = 0, digits = 0;
    int closed = 0;
#ifdef __SSE2__
    __m128i any_bad = _mm_setzero_si128(), any_digit = any_bad, any_two = any_bad;
    for (; len + 17 <= room; len += 16) {
        __m128i v = LOAD(text + len), next = LOAD(text + len + 1);
        /* a backslash counts as odd here: such a string is read again by parse_escaped */
        __m128i odd = OR(OR(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), IS(v, 0x7f)), IS(v, '\\'));
        __m128i two = AND(IS(v, ' '), IS(next, ' ')); /* a pair with the quote is no pair */
        unsigned quote = MASK(IS(v, '"'));
        if (quote) {
            unsigned inside = (1u << lowest(quote)) - 1;
            bad |= MASK(odd) & inside;
            digits |= MASK(DIGITS_IN(v)) & inside;
            spaces |= MASK(two) & inside;
            len += lowest(quote);
            closed = 1;
            break;
        }
        any_bad = OR(any_bad, odd);
        any_digit = OR(any_digit, DIGITS_IN(v));
        any_two = OR(any_two, two);
    }
    bad |= MASK(any_bad);
    digits |= MASK(any_digit);
    spaces |= MASK(any_two);
#else
    /* memchr, then loops the compiler vectorises */
    const unsigned char *quote = memchr(text, '"', room);
    if (quote == NULL)
        return SLOW;
    len = (size_t)(quote - text);
    closed = 1;
    unsigned char odd = 0, digit = 0, two = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = text[i];
        odd |= (c < 0x20) | (c >= 0x7f) | (c == '\\');
        digit |= (unsigned char)(c - '0') < 10;
    }
    for (size_t i = 1; i < len; i++)
        two |= (text[i] == ' ') & (text[i - 1] == ' ');
    bad = odd;
    digits = digit;
    spaces = two;
#endif
    for (; !closed && len < room; len++) {
        unsigned char c = text[len];
        if (c == '"') {
            closed = 1;
            break;
        }
        bad |= (c < 0x20) | (c >= 0x7f) | (c == '\\');
        digits |= (unsigned char)(c - '0') < 10;
        spaces |= c == ' ' && len + 1 < room && text[len + 1] == ' ';
    }
    if (!closed)
        return SLOW;
    if (bad && !key)
        return parse_escaped(p, out, start); /* or a control character, DEL, not ASCII */
    if (bad)
        return SLOW; /* keys are sorted by their raw bytes: a key with an escape is not */
    /* The default normalisation trims a value and collapses its runs of spaces (an ASCII
       string without control characters has no other whitespace); keys stay as they are. */
    int spaced = spaces || (len && (text[0] == ' ' || text[len - 1] == ' '));
    p->spaced |= spaced;
    if (digits && p->want_families && !p->candidate)
        p->candidate = digit_candidate(text, len);
    if ((*out = new_node(p, K_STRING, start)) == NO_NODE)
        return p->out_of_memory ? FAILED : SLOW;
    p->nodes[*out].len = (uint32_t)len;
    p->nodes[*out].spaced = (uint8_t)(spaced && !key);
    p->pos = start + len + 1;
    return 0;
}

static size_t
digits_from(Lane *p)
{
    size_t start = p->pos;
    while (p->pos < p->n && is_digit[p->line[p->pos]])
        p->pos++;
    return p->pos - start;
}

/* Whether a number with ``whole`` significant digits before its point (0 for "0") and the
   ``fraction`` digits at ``digits`` after it, no exponent, is spelled as repr (and so
   ECMAScript) spells its float: then it is written as it is, without a round trip through
   a double. It is when it has at most 15 significant digits (DBL_DIG: the double nearest
   to it gives them back, and no shorter spelling gives the same double), no 0 ending the
   fraction (1.50 is 1.5; 2.0 is a whole number, not taken) and is not below 1e-4 (repr
   writes 0.00001 as 1e-05). */
static int
plain_float(const unsigned char *digits, size_t whole, size_t fraction)
{
    if (digits[fraction - 1] == '0')
        return 0; /* the round trip decides */
    size_t zeros = 0;
    if (whole == 0) {
        while (zeros < fraction && digits[zeros] == '0')
            zeros++;
        if (zeros > 3)
            return 0;
    }
    return whole + fraction - zeros <= 15;
}

static int
parse_number(Lane *p, uint32_t *out)
{
    const unsigned char *line = p->line;
    size_t start = p->pos, run, whole = 0, fraction = 0;
    int is_float = 0;
    if (line[p->pos] == '-')
        p->pos++;
    if (p->pos < p->n && line[p->pos] == '0') {
        p->pos++;
    }
    else {
        run = whole = digits_from(p);
        if (run == 0 || run >= 16) /* 16 digits: maybe beyond 2^53, the Python lane's test */
            return SLOW;
    }
    if (p->pos < p->n && line[p->pos] == '.') {
        p->pos++;
        run = fraction = digits_from(p);
        if (run == 0 || run >= 16)
            return SLOW;
        is_float = 1;
    }
    if (is_float && plain_float(line + p->pos - fraction, whole, fraction) &&
        !(p->pos < p->n && (line[p->pos] == 'e' || line[p->pos] == 'E'))) {
        if ((*out = new_node(p, K_INT, start)) == NO_NODE) /* written as it is */
            return p->out_of_memory ? FAILED : SLOW;
        p->nodes[*out].len = (uint32_t)(p->pos - start);
        return 0;
    }
    if (p->pos < p->n && (line[p->pos] == 'e' || line[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->n && (line[p->pos] == '+' || line[p->pos] == '-'))
            p->pos++;
        run = digits_from(p);
        if (run == 0 || run >= 16)
            return SLOW;
        is_float = 1;
    }
    if (!is_float) {
        if ((*out = new_node(p, K_INT, start)) == NO_NODE)
            return p->out_of_memory ? FAILED : SLOW;
        p->nodes[*out].len = (uint32_t)(p->pos - start);
        return 0;
    }
    /* A copy ends with a NUL: the token is at most 50 characters (digit runs are short) */
    char token[64], *end = NULL;
    size_t length = p->pos - start;
    memcpy(token, line + start, length);
    token[length] = 0;
    double value = PyOS_string_to_double(token, &end, NULL);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return SLOW;
    }
    if (end != token + length)
        return SLOW;
    char *spelled = PyOS_double_to_string(value, 'r', 0, 0, NULL);
    if (spelled == NULL)
        return FAILED;
    size_t len = strlen(spelled);
    /* ECMAScript's spelling is repr's when it has a point and no exponent (not a whole
       number, not inf or nan, no e-notation) */
    int plain = strchr(spelled, '.') != NULL && strchr(spelled, 'e') == NULL;
    int status = plain ? reserve(&p->floats, len) : SLOW;
    if (status == 0 && (*out = new_node(p, K_FLOAT, p->floats.len)) == NO_NODE)
        status = p->out_of_memory ? FAILED : SLOW;
    if (status == 0) {
        p->nodes[*out].len = (uint32_t)len;
        memcpy(p->floats.data + p->floats.len, spelled, len);
        p->floats.len += len;
    }
    PyMem_Free(spelled);
    return status;
}

static int
parse_literal(Lane *p, uint32_t *out, const char *word, size_t len)
{
    if (p->n - p->pos < len || memcmp(p->line + p->pos, word, len) != 0)
        return SLOW;
    if ((*out = new_node(p, K_LITERAL, p->pos)) == NO_NODE)
        return p->out_of_memory ? FAILED : SLOW;
    p->nodes[*out].len = (uint32_t)len;
    p->pos += len;
    return 0;
}

static int parse_value(Lane *p, uint32_t *out, int depth);

static int
parse_container(Lane *p, uint32_t *out, int depth)
{
    int object = p->line[p->pos] == '{';
    unsigned char close = object ? '}' : ']';
    if (depth >= MAX_DEPTH)
        return SLOW;
    uint32_t self = new_node(p, object ? K_OBJECT : K_ARRAY, p->pos);
    if (self == NO_NODE)
        return p->out_of_memory ? FAILED : SLOW;
    uint32_t last = NO_NODE, child;
    int status;
    p->pos++;
    skip_space(p);
    if (p->pos < p->n && p->line[p->pos] == close) {
        p->pos++;
        *out = self;
        return 0;
    }
    for (;;) {
        if (object) {
            if (p->pos >= p->n || p->line[p->pos] != '"')
                return SLOW;
            if ((status = parse_string(p, &child, 1)) != 0)
                return status;
            if (last == NO_NODE)
                p->nodes[self].child = child;
            else
                p->nodes[last].next = child;
            last = child;
            skip_space(p);
            if (p->pos >= p->n || p->line[p->pos] != ':')
                return SLOW;
            p->pos++;
            skip_space(p);
        }
        if ((status = parse_value(p, &child, depth + 1)) != 0)
            return status;
        if (last == NO_NODE)
            p->nodes[self].child = child;
        else
            p->nodes[last].next = child;
        last = child;
        p->nodes[self].count++;
        skip_space(p);
        if (p->pos >= p->n)
            return SLOW;
        if (p->line[p->pos] == ',') {
            p->pos++;
            skip_space(p);
            continue;
        }
        if (p->line[p->pos] != close)
            return SLOW;
        p->pos++;
        *out = self;
        return 0;
    }
}

static int
parse_value(Lane *p, uint32_t *out, int depth)
{
    if (p->pos >= p->n)
        return SLOW;
    switch (p->line[p->pos]) {
    case '{':
    case '[':
        return parse_container(p, out, depth);
    case '"':
        return parse_string(p, out, 0);
    case 't':
        return parse_literal(p, out, "true", 4);
    case 'f':
        return parse_literal(p, out, "false", 5);
    case 'n':
        return parse_literal(p, out, "null", 4);
    default:
        if (p->line[p->pos] == '-' || is_digit[p->line[p->pos]])
            return parse_number(p, out);
        return SLOW;
    }
}

/* -- canonical bytes -------------------------------------------------------------------- */

static int
key_before(const Lane *p, uint32_t a, uint32_t b)
{
    const Node *x = &p->nodes[a], *y = &p->nodes[b];
    uint32_t len = x->len < y->len ? x->len : y->len;
    int cmp = memcmp(p->line + x->start, p->line + y->start, len);
    return cmp < 0 || (cmp == 0 && x->len <= y->len);
}

/* Stable bottom-up merge sort of keys[0..count) by their bytes (for ASCII, the UTF-16
   order RFC 8785 asks for), with spare[0..count) as room. */
static void
sort_keys(const Lane *p, uint32_t *keys, uint32_t *spare, size_t count)
{
    uint32_t *from = keys, *to = spare;
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t lo = 0; lo < count; lo += 2 * width) {
            size_t mid = lo + width < count ? lo + width : count;
            size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = key_before(p, from[i], from[j]) ? from[i++] : from[j++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        uint32_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != keys)
        memcpy(keys, from, count * sizeof(uint32_t));
}

static void
put(Lane *p, const void *data, size_t len)
{
    /* room was reserved for the whole line (see scan_line) */
    memcpy(p->out.data + p->out.len, data, len);
    p->out.len += len;
}

static void
put_char(Lane *p, char c)
{
    p->out.data[p->out.len++] = c;
}

/* normalize.normalize_text under the default rules, for ASCII without control characters:
   trimmed, runs of spaces collapsed to one. */
static void
put_normalized(Lane *p, const unsigned char *text, size_t len)
{
    size_t a = 0, b = len;
    while (a < b && text[a] == ' ')
        a++;
    while (b > a && text[b - 1] == ' ')
        b--;
    for (size_t i = a; i < b; i++)
        if (text[i] != ' ' || text[i - 1] != ' ') /* text[a] is not a space */
            put_char(p, (char)text[i]);
}

/* str.isspace for ASCII, and what normalize._tidy_lines strips (that but line breaks). */
static int
is_space(unsigned char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

static int
is_line_space(unsigned char c)
{
    return is_space(c) && c != '\n' && c != '\r';
}

/* normalize.normalize_text under the default rules, for ASCII text (no NFC to do, no
   Unicode line breaks), in place; its new length. */
static size_t
normalize_ascii(unsigned char *t, size_t m)
{
    size_t w = 0, a, b;
    for (size_t i = 0; i < m; i++) { /* CR LF and CR to LF */
        if (t[i] == '\r') {
            t[w++] = '\n';
            if (i + 1 < m && t[i + 1] == '\n')
                i++;
        }
        else {
            t[w++] = t[i];
        }
    }
    for (a = 0; a < w && is_space(t[a]); a++) /* trimmed */
        ;
    for (b = w; b > a && is_space(t[b - 1]); b--)
        ;
    w = 0;
    if (memchr(t + a, '\n', b - a) != NULL) {
        /* several lines: trailing whitespace off each, at most two line breaks in a row */
        size_t line = 0, breaks = 0;
        for (size_t i = a; i < b; i++) {
            if (t[i] != '\n') {
                t[w++] = t[i];
                continue;
            }
            while (w > line && is_line_space(t[w - 1]))
                w--;
            t[w++] = '\n';
            line = w;
        }
        size_t k = 0;
        for (size_t i = 0; i < w; i++) {
            breaks = t[i] == '\n' ? breaks + 1 : 0;
            if (breaks <= 2)
                t[k++] = t[i];
        }
        return k;
    }
    int after_space = 0;
    for (size_t i = a; i < b; i++) { /* one line: each run of whitespace one space */
        int space = is_space(t[i]);
        if (!space)
            t[w++] = t[i];
        else if (!after_space)
            t[w++] = ' ';
        after_space = space;
    }
    return w;
}

/* A string with escapes: decoded, normalised, then written as orjson (and RFC 8785) write
   it: \" \\ \b \f \n \r \t, other control characters as \u00xx. */
static int
write_escaped(Lane *p, const Node *node)
{
    const unsigned char *s = p->line + node->start;
    size_t len = node->len, m = 0;
    p->text.len = 0;
    /* Room: the decoded text is shorter than its escapes; each character is written in at
       most six bytes, and what follows in at most what was reserved for the line. */
    if (reserve(&p->text, len) != 0 || reserve(&p->out, 6 * len + 2 + p->n + p->floats.len))
        return FAILED;
    unsigned char *t = (unsigned char *)p->text.data;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            t[m++] = s[i];
            continue;
        }
        unsigned char c = s[++i];
        switch (c) {
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'u':
            c = (unsigned char)hex4(s + i + 1); /* checked by parse_escaped */
            i += 4;
            break;
        default: /* " \ / */
            break;
        }
        t[m++] = c;
    }
    m = normalize_ascii(t, m);
    static const char hex[] = "0123456789abcdef";
    put_char(p, '"');
    for (size_t i = 0; i < m; i++) {
        unsigned char c = t[i];
        const char *short_form = NULL;
        switch (c) {
        case '"':
            short_form = "\\\"";
            break;
        case '\\':
            short_form = "\\\\";
            break;
        case '\b':
            short_form = "\\b";
            break;
        case '\f':
            short_form = "\\f";
            break;
        case '\n':
            short_form = "\\n";
            break;
        case '\r':
            short_form = "\\r";
            break;
        case '\t':
            short_form = "\\t";
            break;
        default:
            break;
        }
        if (short_form != NULL) {
            put(p, short_form, 2);
        }
        else if (c < 0x20) {
            char escape[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(p, escape, 6);
        }
        else {
            put_char(p, (char)c);
        }
    }
    put_char(p, '"');
    return 0;
}

static int
write_value(Lane *p, uint32_t index)
{
    const Node *node = &p->nodes[index];
    switch (node->kind) {
    case K_STRING:
        if (node->escaped)
            return write_escaped(p, node);
        put_char(p, '"');
        if (node->spaced)
            put_normalized(p, p->line + node->start, node->len);
        else
            put(p, p->line + node->start, node->len);
        put_char(p, '"');
        return 0;
    case K_INT:
        if (node->len == 2 && p->line[node->start] == '-' && p->line[node->start + 1] == '0')
            put_char(p, '0'); /* -0 is the integer 0 */
        else
            put(p, p->line + node->start, node->len);
        return 0;
    case K_FLOAT:
        put(p, p->floats.data + node->start, node->len);
        return 0;
    case K_LITERAL:
        put(p, p->line + node->start, node->len);
        return 0;
    case K_ARRAY:
        put_char(p, '[');
        for (uint32_t child = node->child; child != NO_NODE; child = p->nodes[child].next) {
            if (child != node->child)
                put_char(p, ',');
            int status = write_value(p, child);
            if (status != 0)
                return status;
        }
        put_char(p, ']');
        return 0;
    default: /* K_OBJECT */
        break;
    }
    uint32_t count = node->count, *keys = p->order + p->top;
    uint32_t key = node->child;
    for (uint32_t i = 0; i < count; i++) {
        keys[i] = key;
        key = p->nodes[p->nodes[key].next].next;
    }
    sort_keys(p, keys, p->spare + p->top, count);
    for (uint32_t i = 1; i < count; i++) {
        const Node *a = &p->nodes[keys[i - 1]], *b = &p->nodes[keys[i]];
        if (a->len == b->len && memcmp(p->line + a->start, p->line + b->start, a->len) == 0)
            return SLOW; /* a duplicate key: the full way decides which value stays */
    }
    p->top += count;
    put_char(p, '{');
    int status = 0;
    for (uint32_t i = 0; i < count && status == 0; i++) {
        if (i)
            put_char(p, ',');
        write_value(p, keys[i]);
        put_char(p, ':');
        status = write_value(p, p->nodes[keys[i]].next);
    }
    put_char(p, '}');
    p->top -= count;
    return status;
}

/* -- PII families: pii/prefilter.line_families over the raw line --------------------------- */

/* How: the line is copied once into a zero-padded buffer, and one pass over it, 16 positions
 * at a time, marks where a family's test could hold (each mark is a cheap necessary
 * condition: "A" with an "a" or "A" three later for "AKIA", "AIza"...); each mark is then
 * checked exactly, byte for byte, by the same tests as the Python prefilter. Clean text
 * has few marks, so the line is read once and decided. The secret-name words (the anchors,
 * found in the line folded through pii/prefilter.FOLD) are looked for the same way, only
 * when the other half of their test holds, without folding the line: a small-letter word
 * is in the folded line exactly where fold[byte] matches it letter for letter. */

static int
contains(const unsigned char *hay, size_t n, const char *needle, size_t len)
{
#if defined(__GLIBC__) || defined(__APPLE__)
    return memmem(hay, n, needle, len) != NULL;
#else
    if (len == 0)
        return 1;
    for (const unsigned char *at = hay, *end = hay + n; (size_t)(end - at) >= len; at++) {
        at = memchr(at, (unsigned char)needle[0], (size_t)(end - at) - len + 1);
        if (at == NULL)
            return 0;
        if (memcmp(at, needle, len) == 0)
            return 1;
    }
    return 0;
#endif
}

/* Whether the line has ``word`` right before position ``at``. */
static int
before(const unsigned char *line, size_t at, const char *word)
{
    size_t len = strlen(word);
    return at >= len && memcmp(line + at - len, word, len) == 0;
}

/* prefilter._known_prefix at a '_', '-' or 'A': the look-behinds and look-aheads of its
   patterns ("eyJ", "SG." and "hooks.slack.com" are checked from their first letter). */
static int
prefix_at(const unsigned char *s, size_t n, size_t i)
{
    switch (s[i]) {
    case '_':
        return (i >= 3 && s[i - 3] == 'g' && s[i - 2] == 'h' && s[i - 1] &&
                strchr("pousr", s[i - 1])) ||
               before(s, i, "hf") || before(s, i, "npm") || before(s, i, "_pat") ||
               before(s, i, "k_live") || before(s, i, "k_test");
    case '-':
        return before(s, i, "glpat") || before(s, i, "sk") ||
               (i >= 4 && memcmp(s + i - 4, "xox", 3) == 0 && s[i - 1] &&
                strchr("abposre", s[i - 1]));
    case 'A':
        if (n - i >= 4) {
            static const char *const after[] = {"KIA", "SIA", "GPA", "IDA", "ROA", "NPA", "Iza"};
            for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++)
                if (memcmp(s + i + 1, after[k], 3) == 0)
                    return 1;
        }
        return 0;
    default:
        return 0;
    }
}

/* Whether the folded line has ``word`` at ``i``. */
static int
folded_at(const unsigned char *s, size_t n, size_t i, const char *word, size_t len)
{
    if (n - i < len)
        return 0;
    for (size_t k = 0; k < len; k++)
        if (fold[s[i + k]] != (unsigned char)word[k])
            return 0;
    return 1;
}

/* What the first pass saw, each test exact. */
typedef struct {
    size_t colons, key_colons; /* ':' and '":' */
    int email, equals, known, private_key, spoken;
} Seen;

#define PADDING 64 /* zero bytes after the copy: a 32-position block reads 36 past its start */

/* The exact tests at a marked position ``i`` of ``s`` (n bytes). */
static void
seen_at(const unsigned char *s, size_t n, size_t i, Seen *seen)
{
    switch (s[i]) {
    case '@':
        seen->email = 1;
        break;
    case '=':
        seen->equals = 1;
        break;
    case ':':
        seen->colons++;
        seen->key_colons += i > 0 && s[i - 1] == '"';
        break;
    case '_':
    case '-':
    case 'A':
        seen->known |= prefix_at(s, n, i);
        break;
    case 'e':
        seen->known |= n - i >= 3 && s[i + 1] == 'y' && s[i + 2] == 'J';
        /* fall through */
    case 'E':
        seen->spoken |= folded_at(s, n, i, "earer ", 6);
        break;
    case 'S':
        seen->known |= n - i >= 3 && s[i + 1] == 'G' && s[i + 2] == '.';
        break;
    case 'h':
        seen->known |= n - i >= 15 && memcmp(s + i, "hooks.slack.com", 15) == 0;
        break;
    case 'P':
        seen->private_key |= n - i >= 11 && memcmp(s + i, "PRIVATE KEY", 11) == 0;
        break;
    case ' ':
        seen->spoken |= folded_at(s, n, i, " is ", 4);
        break;
    default:
        break;
    }
}

#ifdef __SSE2__
/* The positions of b[0..16) where seen_at may find something: a necessary condition of
   each test (b[16..21) is read too). */
static unsigned
marks(const unsigned char *b)
{
    const __m128i small = _mm_set1_epi8(0x20);
    __m128i r0 = LOAD(b), r1 = LOAD(b + 1), r2 = LOAD(b + 2), r3 = LOAD(b + 3);
    __m128i l0 = OR(r0, small), l1 = OR(r1, small), l2 = OR(r2, small), l3 = OR(r3, small);
    __m128i l4 = OR(LOAD(b + 4), small);
    __m128i m = OR(OR(IS(r0, '@'), IS(r0, '=')), OR(IS(r0, ':'), OR(IS(r0, '_'), IS(r0, '-'))));
    m = OR(m, AND(IS(r0, 'A'), IS(l3, 'a')));                          /* AKIA... AIza */
    m = OR(m, AND(IS(r0, 'e'), IS(r2, 'J')));                          /* eyJ */
    m = OR(m, AND(IS(r0, 'S'), IS(r1, 'G')));                          /* SG. */
    m = OR(m, AND(IS(r0, 'h'), IS(r3, 'k')));                          /* hooks.slack.com */
    m = OR(m, AND(IS(r0, 'P'), IS(r1, 'R')));                          /* PRIVATE KEY */
    m = OR(m, AND(AND(IS(r0, ' '), IS(l1, 'i')), AND(IS(l2, 's'), IS(r3, ' ')))); /* " is " */
    m = OR(m, AND(IS(l0, 'e'), AND(IS(l2, 'r'), IS(l4, 'r'))));        /* earer */
    return MASK(m);
}
#elif defined(__GNUC__)
/* The same conditions in GCC's portable vectors (NEON on ARM): a block with no mark, most
   of them, costs a few vector operations; one with a mark is spelled out byte by byte. */
typedef unsigned char Bytes16 __attribute__((vector_size(16)));
typedef signed char Truth16 __attribute__((vector_size(16)));

static inline Bytes16
bytes16(const unsigned char *at)
{
    Bytes16 v;
    memcpy(&v, at, 16);
    return v;
}

static unsigned
marks(const unsigned char *b)
{
    Bytes16 r0 = bytes16(b), r1 = bytes16(b + 1), r2 = bytes16(b + 2), r3 = bytes16(b + 3);
    Bytes16 l0 = r0 | 0x20, l1 = r1 | 0x20, l2 = r2 | 0x20, l3 = r3 | 0x20;
    Bytes16 l4 = bytes16(b + 4) | 0x20;
    Truth16 m = (r0 == '@') | (r0 == '=') | (r0 == ':') | (r0 == '_') | (r0 == '-');
    m |= (r0 == 'A') & (l3 == 'a');
    m |= (r0 == 'e') & (r2 == 'J');
    m |= (r0 == 'S') & (r1 == 'G');
    m |= (r0 == 'h') & (r3 == 'k');
    m |= (r0 == 'P') & (r1 == 'R');
    m |= (r0 == ' ') & (l1 == 'i') & (l2 == 's') & (r3 == ' ');
    m |= (l0 == 'e') & (l2 == 'r') & (l4 == 'r');
    uint64_t halves[2];
    memcpy(halves, &m, 16);
    if ((halves[0] | halves[1]) == 0)
        return 0;
    unsigned mask = 0;
    for (unsigned k = 0; k < 16; k++)
        mask |= (unsigned)(m[k] != 0) << k;
    return mask;
}
#else
static unsigned
marks(const unsigned char *b)
{
    unsigned m = 0;
    for (unsigned k = 0; k < 16; k++)
        m |= (unsigned)may_start[b[k]] << k;
    return m;
}
#endif

/* seen_at for each marked position of the block at ``i``. */
static void
seen_marked(const unsigned char *b, size_t n, size_t i, unsigned mask, Seen *seen)
{
    for (; mask; mask &= mask - 1) {
        size_t at = i + lowest(mask);
        if (at >= n)
            break;
        seen_at(b, n, at, seen);
    }
}

#ifdef WIDE
#define LOAD32(at) _mm256_loadu_si256((const __m256i *)(const void *)(at))
#define IS32(v, c) _mm256_cmpeq_epi8((v), _mm256_set1_epi8((char)(c)))
#define AND32(a, b) _mm256_and_si256((a), (b))
#define OR32(a, b) _mm256_or_si256((a), (b))

/* marks() for b[0..32) (b[32..37) is read too). */
__attribute__((target("avx2"))) static unsigned
marks_wide(const unsigned char *b)
{
    const __m256i small = _mm256_set1_epi8(0x20);
    __m256i r0 = LOAD32(b), r1 = LOAD32(b + 1), r2 = LOAD32(b + 2), r3 = LOAD32(b + 3);
    __m256i l0 = OR32(r0, small), l1 = OR32(r1, small), l2 = OR32(r2, small);
    __m256i l3 = OR32(r3, small), l4 = OR32(LOAD32(b + 4), small);
    __m256i m = OR32(OR32(IS32(r0, '@'), IS32(r0, '=')),
                     OR32(IS32(r0, ':'), OR32(IS32(r0, '_'), IS32(r0, '-'))));
    m = OR32(m, AND32(IS32(r0, 'A'), IS32(l3, 'a')));
    m = OR32(m, AND32(IS32(r0, 'e'), IS32(r2, 'J')));
    m = OR32(m, AND32(IS32(r0, 'S'), IS32(r1, 'G')));
    m = OR32(m, AND32(IS32(r0, 'h'), IS32(r3, 'k')));
    m = OR32(m, AND32(IS32(r0, 'P'), IS32(r1, 'R')));
    m = OR32(m, AND32(AND32(IS32(r0, ' '), IS32(l1, 'i')), AND32(IS32(l2, 's'), IS32(r3, ' '))));
    m = OR32(m, AND32(IS32(l0, 'e'), AND32(IS32(l2, 'r'), IS32(l4, 'r'))));
    return (unsigned)_mm256_movemask_epi8(m);
}

/* The first pass of line_families with marks_wide (in one function: its constants are
   made once a line, not once a block). */
__attribute__((target("avx2"))) static void
seen_wide(const unsigned char *b, size_t n, Seen *seen)
{
    for (size_t i = 0; i < n; i += 32)
        seen_marked(b, n, i, marks_wide(b + i), seen);
}
#endif

/* A word looked for in the line: the anchors (through fold) and two plain ones. Each is
   first filtered by two of its bytes, the rarest in text (``at1``, ``at2``). */
typedef struct {
#ifdef __SSE2__
    __m128i byte1, byte2, small1, small2;
#endif
    const unsigned char *text;
    size_t len, at1, at2;
    int folded;
} Word;

#define MAX_WORDS 16

typedef struct Named {
    Word words[MAX_WORDS];
    size_t count, longest;
    int usable; /* the anchors are small letters: searched this way, else in a folded copy */
} Named;

static size_t
rarity(unsigned char c)
{
    static const char common[] = " \"e:,taoinsrhldcumfpgwybvkxjqz";
    const char *at = c ? strchr(common, c) : NULL;
    return at ? (size_t)(at - common) : sizeof(common);
}

static void
add_word(Named *named, const unsigned char *text, size_t len, int folded)
{
    Word *w = &named->words[named->count++];
    w->text = text;
    w->len = len;
    w->folded = folded;
    w->at1 = 0;
    for (size_t k = 1; k < len; k++)
        if (rarity(text[k]) > rarity(text[w->at1]))
            w->at1 = k;
    w->at2 = w->at1;
    for (size_t k = 0; k < len; k++)
        if (k != w->at1 && (w->at2 == w->at1 || rarity(text[k]) > rarity(text[w->at2])))
            w->at2 = k;
#ifdef __SSE2__
    /* a folded small letter is that letter or its capital: both are the letter with 0x20 */
    w->byte1 = _mm_set1_epi8((char)text[w->at1]);
    w->byte2 = _mm_set1_epi8((char)text[w->at2]);
    w->small1 = _mm_set1_epi8(folded ? 0x20 : 0);
    w->small2 = _mm_set1_epi8(folded ? 0x20 : 0);
#endif
    if (len > named->longest)
        named->longest = len;
}

/* The words of the ASSIGNED_SECRETS test: "uthorization" and "://" as they are, the
   anchors folded; not usable (the caller folds the line) unless every anchor is small
   letters. The anchors are bytes (checked by the caller) and outlive ``named``. */
static void
name_words(Named *named, PyObject *anchors)
{
    Py_ssize_t count = PyTuple_GET_SIZE(anchors);
    memset(named, 0, sizeof(*named));
    if (count + 2 > MAX_WORDS)
        return;
    add_word(named, (const unsigned char *)"uthorization", 12, 0);
    add_word(named, (const unsigned char *)"://", 3, 0);
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *anchor = PyTuple_GET_ITEM(anchors, k);
        const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(anchor);
        size_t len = (size_t)PyBytes_GET_SIZE(anchor);
        if (len == 0 || len > 64)
            return;
        for (size_t i = 0; i < len; i++)
            if (text[i] < 'a' || text[i] > 'z')
                return;
        add_word(named, text, len, 1);
    }
    named->usable = 1;
}

static int
word_at(const unsigned char *s, size_t n, size_t i, const Word *w)
{
    if (w->folded)
        return folded_at(s, n, i, (const char *)w->text, w->len);
    return n - i >= w->len && memcmp(s + i, w->text, w->len) == 0;
}

/* Whether one of the words is in b[0..n) (followed by 16 + longest zero bytes). */
static int
any_word(const unsigned char *b, size_t n, const Named *named)
{
    for (size_t i = 0; i < n; i += 16) {
#ifdef __SSE2__
        __m128i m = _mm_setzero_si128();
        for (size_t k = 0; k < named->count; k++) {
            const Word *w = &named->words[k];
            __m128i one = _mm_cmpeq_epi8(OR(LOAD(b + i + w->at1), w->small1), w->byte1);
            __m128i two = _mm_cmpeq_epi8(OR(LOAD(b + i + w->at2), w->small2), w->byte2);
            m = OR(m, AND(one, two));
        }
        unsigned mask = MASK(m);
#else
        unsigned mask = 0xffff;
#endif
        for (; mask; mask &= mask - 1) {
            size_t at = i + (size_t)lowest(mask);
            if (at >= n)
                break;
            for (size_t k = 0; k < named->count; k++)
                if (word_at(b, n, at, &named->words[k]))
                    return 1;
        }
    }
    return 0;
}

/* prefilter.line_families over p->line: one pass over a padded copy, then the secret-name
   words if the other half of their test holds. FAILED (a Python error set) when there is
   no memory for the copy. */
static int
line_families(Lane *p, uint32_t keys, PyObject *anchors)
{
    const Named *named = p->named;
    size_t n = p->n, room = n + PADDING + named->longest;
    p->padded.len = 0;
    if (reserve(&p->padded, room) != 0)
        return FAILED;
    unsigned char *b = (unsigned char *)p->padded.data;
    memcpy(b, p->line, n);
    memset(b + n, 0, room - n);
    Seen seen;
    memset(&seen, 0, sizeof(seen));
#ifdef WIDE
    if (wide) {
        seen_wide(b, n, &seen);
    }
    else
#endif
    {
        for (size_t i = 0; i < n; i += 16)
            seen_marked(b, n, i, marks(b + i), &seen);
    }
    int families = p->candidate ? DIGITS : 0;
    if (seen.email)
        families |= EMAIL;
    size_t inner = 0;
    if (seen.colons != keys && seen.colons != 0)
        inner = seen.colons - seen.key_colons;
    if (inner >= 7 || (inner && contains(b, n, "::", 2)))
        families |= IPV6;
    if (seen.known)
        families |= KNOWN_SECRETS;
    if (seen.private_key)
        families |= PRIVATE_KEYS;
    if (seen.equals || inner > 0 || seen.spoken) {
        int found;
        if (named->usable) {
            found = any_word(b, n, named);
        }
        else {
            /* odd anchors: look for them in a folded copy, as the Python prefilter does */
            found = contains(b, n, "uthorization", 12) || contains(b, n, "://", 3);
            for (size_t i = 0; i < n; i++)
                b[i] = fold[b[i]];
            Py_ssize_t count = PyTuple_GET_SIZE(anchors);
            for (Py_ssize_t k = 0; k < count && !found; k++) {
                PyObject *anchor = PyTuple_GET_ITEM(anchors, k);
                found = contains(b, n, PyBytes_AS_STRING(anchor),
                                 (size_t)PyBytes_GET_SIZE(anchor));
            }
        }
        if (found)
            families |= ASSIGNED_SECRETS;
    }
    return families;
}

/* -- one line, one batch ------------------------------------------------------------------ */

/* Room for the key orders of every object (at most one slot per node, and its spare). */
static int
grow_orders(Lane *p)
{
    if (p->used <= p->ordered)
        return 0;
    uint32_t *order = PyMem_Realloc(p->order, p->capacity * sizeof(uint32_t));
    if (order == NULL)
        return FAILED;
    p->order = order;
    uint32_t *spare = PyMem_Realloc(p->spare, p->capacity * sizeof(uint32_t));
    if (spare == NULL)
        return FAILED;
    p->spare = spare;
    p->ordered = p->capacity;
    return 0;
}

/* The canonical bytes of one line into p->out, or SLOW. */
static int
scan_line(Lane *p, const unsigned char *line, size_t n, uint32_t *keys)
{
    p->line = line;
    p->n = n;
    p->pos = 0;
    p->used = 0;
    p->floats.len = 0;
    p->top = 0;
    p->candidate = 0;
    p->spaced = 0;
    p->escaped = 0;
    p->out.len = 0;
    skip_space(p);
    if (p->pos >= n || line[p->pos] != '{')
        return SLOW;
    uint32_t root;
    int status = parse_value(p, &root, 0);
    if (status == FAILED && p->out_of_memory)
        PyErr_NoMemory();
    if (status != 0)
        return status;
    skip_space(p);
    if (p->pos != n)
        return SLOW;
    if (reserve(&p->out, n + p->floats.len) != 0)
        return FAILED;
    if (grow_orders(p) != 0) {
        PyErr_NoMemory();
        return FAILED;
    }
    *keys = p->nodes[root].count;
    status = write_value(p, root);
    /* Every canonical text given out is ASCII without a backslash (the stage's text lane
       reads its strings between quotes): a string that still needs an escape once
       normalised (a line break, a quote, a control character) goes the full way. */
    if (status == 0 && p->escaped && memchr(p->out.data, '\\', p->out.len) != NULL)
        return SLOW;
    return status;
}

/* SHA-256: OpenSSL's own functions (SHA256_Init and co., deprecated in OpenSSL 3 but kept)
   cost a fifth less than EVP's for a record of a kilobyte, the same code underneath; a
   build of OpenSSL without its deprecated functions hashes through EVP. */
#if defined(OPENSSL_NO_DEPRECATED_3_0) || defined(OPENSSL_NO_DEPRECATED)
#define EVP_ONLY 1
#else
#define EVP_ONLY 0
#endif

typedef struct {
#if EVP_ONLY
    EVP_MD_CTX *ctx;
    const EVP_MD *md;
#else
    SHA256_CTX ctx;
#endif
} Hasher;

#if EVP_ONLY && OPENSSL_VERSION_NUMBER >= 0x30000000L
/* fetched once: OpenSSL 3 looks EVP_sha256() up again at each use */
static EVP_MD *sha256_md = NULL;
#endif

/* Ready to hash, or a Python error set. */
static int
hasher_open(Hasher *h)
{
#if EVP_ONLY
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (sha256_md == NULL)
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->md = sha256_md;
#else
    h->md = EVP_sha256();
#endif
    h->ctx = NULL;
    if (h->md == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL has no SHA-256");
        return FAILED;
    }
    if ((h->ctx = EVP_MD_CTX_new()) == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
#else
    (void)h;
#endif
    return 0;
}

static void
hasher_close(Hasher *h)
{
#if EVP_ONLY
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
#else
    (void)h;
#endif
}

/* SHA-256 of a || b into out; 0 when OpenSSL fails. */
static int
digest2(Hasher *h, const void *a, size_t a_len, const void *b, size_t b_len,
        unsigned char *out)
{
#if EVP_ONLY
    return EVP_DigestInit_ex(h->ctx, h->md, NULL) && EVP_DigestUpdate(h->ctx, a, a_len) &&
           (b_len == 0 || EVP_DigestUpdate(h->ctx, b, b_len)) &&
           EVP_DigestFinal_ex(h->ctx, out, NULL);
#else
    return SHA256_Init(&h->ctx) && SHA256_Update(&h->ctx, a, a_len) &&
           (b_len == 0 || SHA256_Update(&h->ctx, b, b_len)) && SHA256_Final(out, &h->ctx);
#endif
}

/* The Merkle leaf of canonical bytes: SHA-256(0x00 || SHA-256(data)) (RFC 6962). */
static int
leaf(Hasher *h, const char *data, size_t len, unsigned char *out)
{
    unsigned char inner[33];
    inner[0] = 0;
    return digest2(h, data, len, NULL, 0, inner + 1) && digest2(h, inner, 33, NULL, 0, out);
}

static PyObject *
scan(PyObject *module, PyObject *args)
{
    Py_buffer view;
    PyObject *anchors, *canonical = NULL, *families = NULL, *leaves = NULL, *special = NULL;
    PyObject *starts = NULL;
    PyObject *result = NULL;
    Py_ssize_t max_line;
    int want_families, want_leaves;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*O!npp:scan", &view, &PyTuple_Type, &anchors, &max_line,
                          &want_families, &want_leaves))
        return NULL;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(anchors); k++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(anchors, k))) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_TypeError, "scan: anchors must be bytes");
            return NULL;
        }
    }
    const unsigned char *data = view.buf, *end = data + view.len;
    Lane lane;
    memset(&lane, 0, sizeof(lane));
    lane.want_families = want_families;
    Named named;
    name_words(&named, anchors);
    lane.named = &named;
    Hasher hasher;
    int hashing = 0;

    Py_ssize_t lines = 0;
    for (const unsigned char *at = data; at < end; lines++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(end - at));
        at = newline ? newline + 1 : end;
    }
    canonical = PyList_New(lines);
    families = PyBytes_FromStringAndSize(NULL, lines);
    leaves = PyBytes_FromStringAndSize(NULL, lines * 32);
    special = PyList_New(0);
    starts = PyBytes_FromStringAndSize(NULL, (lines + 1) * (Py_ssize_t)sizeof(uint64_t));
    if (canonical == NULL || families == NULL || leaves == NULL || special == NULL ||
        starts == NULL)
        goto done;
    if (want_leaves) {
        if (hasher_open(&hasher) != 0)
            goto done;
        hashing = 1;
    }
    unsigned char *family = (unsigned char *)PyBytes_AS_STRING(families);
    unsigned char *leaf_at = (unsigned char *)PyBytes_AS_STRING(leaves);
    uint64_t *start = (uint64_t *)PyBytes_AS_STRING(starts);
    memset(family, 0, (size_t)lines);
    memset(leaf_at, 0, (size_t)lines * 32);
    const unsigned char *at = data;
    for (Py_ssize_t i = 0; i < lines; i++) {
        const unsigned char *newline = memchr(at, '\n', (size_t)(end - at));
        size_t n = (size_t)((newline ? newline : end) - at);
        const unsigned char *line = at;
        start[i] = (uint64_t)(line - data);
        at = newline ? newline + 1 : end;
        int status = SLOW;
        uint32_t keys = 0;
        if (n <= (size_t)max_line && n < UINT32_MAX / 2) {
            status = scan_line(&lane, line, n, &keys);
        }
        if (status == FAILED)
            goto done;
        PyObject *item = Py_None;
        if (status == 0) {
            item = PyBytes_FromStringAndSize(lane.out.data, (Py_ssize_t)lane.out.len);
            if (item == NULL)
                goto done;
            int found = ALL_FAMILIES;
            if (want_families && lane.spaced) {
                /* The Python lane looks at the record's canonical text once normalised. */
                lane.line = (const unsigned char *)lane.out.data;
                lane.n = lane.out.len;
                lane.candidate = candidate_in_strings(lane.line, lane.n);
                found = line_families(&lane, keys, anchors);
            }
            else if (want_families) {
                found = line_families(&lane, keys, anchors);
            }
            if (found != FAILED && lane.spaced)
                found |= NORMALIZED;
            if (found == FAILED) {
                Py_DECREF(item);
                goto done;
            }
            family[i] = (unsigned char)found;
            if (want_leaves &&
                !leaf(&hasher, lane.out.data, lane.out.len, leaf_at + 32 * (size_t)i)) {
                Py_DECREF(item);
                PyErr_SetString(PyExc_RuntimeError, "scan: SHA-256 failed");
                goto done;
            }
        }
        else {
            Py_INCREF(item);
        }
        PyList_SET_ITEM(canonical, i, item);
        if (status != 0 || (family[i] & ALL_FAMILIES) != 0) {
            PyObject *number = PyLong_FromSsize_t(i);
            if (number == NULL || PyList_Append(special, number) != 0) {
                Py_XDECREF(number);
                goto done;
            }
            Py_DECREF(number);
        }
    }
    /* line i is data[start[i]:start[i + 1] - 1], the last one too */
    start[lines] = (uint64_t)view.len + (lines && end[-1] != '\n');
    result = PyTuple_Pack(5, canonical, families, leaves, special, starts);
done:
    Py_XDECREF(canonical);
    Py_XDECREF(families);
    Py_XDECREF(leaves);
    Py_XDECREF(special);
    Py_XDECREF(starts);
    if (hashing)
        hasher_close(&hasher);
    PyMem_Free(lane.nodes);
    PyMem_Free(lane.order);
    PyMem_Free(lane.spare);
    PyMem_Free(lane.floats.data);
    PyMem_Free(lane.out.data);
    PyMem_Free(lane.padded.data);
    PyMem_Free(lane.text.data);
    PyBuffer_Release(&view);
    return result;
}

/* RFC 6962 interior nodes, one level: pairs of 32-byte nodes in, SHA-256(0x01 || left ||
   right) of each out. The parent folds a batch's leaves into its Merkle tree with this, a
   level per call, instead of a Python call per node. */
static PyObject *
merkle_pairs(PyObject *module, PyObject *arg)
{
    static const unsigned char interior = 1;
    Py_buffer view;
    Hasher hasher;
    (void)module;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0)
        return NULL;
    if (view.len % 64 != 0) {
        PyErr_Format(PyExc_ValueError,
                     "merkle_pairs: %zd bytes are not pairs of 32-byte nodes (a multiple of 64)",
                     view.len);
        PyBuffer_Release(&view);
        return NULL;
    }
    Py_ssize_t pairs = view.len / 64;
    PyObject *result = PyBytes_FromStringAndSize(NULL, pairs * 32);
    if (result == NULL || hasher_open(&hasher) != 0) {
        Py_XDECREF(result);
        PyBuffer_Release(&view);
        return NULL;
    }
    const unsigned char *in = view.buf;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < pairs && ok; i++)
        ok = digest2(&hasher, &interior, 1, in + 64 * i, 64, out + 32 * i);
    Py_END_ALLOW_THREADS
    hasher_close(&hasher);
    PyBuffer_Release(&view);
    if (!ok) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_RuntimeError, "merkle_pairs: SHA-256 failed");
        return NULL;
    }
    return result;
}

/* ---- find_pii: the Python PII detectors over one ASCII string, where C can be sure ------
   The contract: for an ASCII string without control characters, find_pii returns exactly what
   PiiScanner.raw_findings(text, families) followed by resolve_overlaps returns, or None when
   some part of it would need Python (phonenumbers, a context-word regex, an entropy rule, a
   family not ported). Each function below ports one regex or check of app/core/datasets/pii
   and says which; "lim" is a search's endpos (characters at or past it do not exist for the
   pattern), while lookbehinds see the whole text, as re does. */

#define PK_EMAIL 0
#define PK_PHONE 1
#define PK_CARD 2
#define PK_IBAN 3
#define PK_IP 4
#define PK_NATIONAL 5
#define PK_SECRET 6
#define PII_MAX_RAW 128
#define PII_MAX_SPANS 256
#define PII_MAX_PIECES 128

typedef struct {
    Py_ssize_t start, end;
    int kind, order;
    char detector[40];
} PiiRaw;

typedef struct {
    const unsigned char *t;
    Py_ssize_t n;
    int types, regions, unsure, failed, count;
    PyObject *phone; /* digits._valid_region, or NULL: an international number's verdict */
    PiiRaw raw[PII_MAX_RAW], ranked[PII_MAX_RAW], kept[PII_MAX_RAW];
    Py_ssize_t spans[2 * PII_MAX_SPANS], windows[2 * PII_MAX_SPANS];
} PiiCtx;

static int pd(unsigned char c) { return c >= '0' && c <= '9'; }
static int pu(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int pl(unsigned char c) { return c >= 'a' && c <= 'z'; }
static int pa(unsigned char c) { return pu(c) || pl(c); }
static int pan(unsigned char c) { return pd(c) || pa(c); }
static int pw(unsigned char c) { return pan(c) || c == '_'; }
static int ptok(unsigned char c) { return pw(c) || c == '-'; }
static int pud(unsigned char c) { return pu(c) || pd(c); }
static int plocal(unsigned char c)
{
    return pw(c) || c == '.' || c == '%' || c == '+' || c == '\'' || c == '-';
}

static void pii_add(PiiCtx *x, Py_ssize_t s, Py_ssize_t e, int kind, const char *det)
{
    if (x->count >= PII_MAX_RAW) {
        x->unsure = 1;
        return;
    }
    PiiRaw *r = &x->raw[x->count];
    r->start = s;
    r->end = e;
    r->kind = kind;
    r->order = x->count++;
    snprintf(r->detector, sizeof r->detector, "%s", det);
}

static Py_ssize_t prun(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim,
                       int (*cls)(unsigned char))
{
    while (p < lim && cls(t[p]))
        p++;
    return p;
}

/* -- e-mail: detectors.find_emails / EMAIL, ASCII ------------------------------------- */

static const char *const not_tlds[] = {"png", "jpg",  "jpeg", "gif", "svg",  "webp",
                                       "bmp", "ico",  "tif",  "tiff", "psd", "heic", NULL};

static int pii_email_match(const unsigned char *t, Py_ssize_t start, Py_ssize_t at,
                           Py_ssize_t lim, Py_ssize_t *end, Py_ssize_t *tld)
{
    /* local part: [^\W_][\w%+'\-]*(?:\.[\w%+'\-]+)* then '@' (every char before at is local) */
    if (!pan(t[start]) || t[at - 1] == '.' || at >= lim)
        return 0;
    for (Py_ssize_t i = start; i + 1 < at; i++)
        if (t[i] == '.' && t[i + 1] == '.')
            return 0;
    Py_ssize_t after[64];
    int m = 0;
    Py_ssize_t p = at + 1;
    for (;;) { /* labels: [^\W_](?:[\w\-]{0,61}[^\W_])?\. */
        Py_ssize_t q = prun(t, p, lim, ptok);
        if (q < lim && t[q] == '.' && q - p >= 1 && q - p <= 63 && pan(t[p]) && pan(t[q - 1])) {
            if (m == 64)
                return -1;
            after[m++] = q + 1;
            p = q + 1;
        } else
            break;
    }
    for (int k = m - 1; k >= 0; k--) { /* (?P<tld>[^\W\d_]{2,63})(?![\w\-]|\.[^\W_]) */
        Py_ssize_t s = after[k], q = prun(t, s, lim, pa);
        if (q - s < 2 || q - s > 63)
            continue;
        if (q < lim && ptok(t[q]))
            continue;
        if (q + 1 < lim && t[q] == '.' && pan(t[q + 1]))
            continue;
        *end = q;
        *tld = s;
        return 1;
    }
    return 0;
}

static void pii_emails(PiiCtx *x)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n, done = 0;
    for (Py_ssize_t at = 0; at < n; at++) {
        const unsigned char *next = memchr(t + at, '@', (size_t)(n - at));
        if (next == NULL)
            break;
        at = next - t;
        if (at < done)
            continue;
        Py_ssize_t run = at + 1;
        while (run < n && (pw(t[run]) || t[run] == '.' || t[run] == '-'))
            run++;
        Py_ssize_t stop = run + 2 < n ? run + 2 : n;
        Py_ssize_t low = at - 64 > done ? at - 64 : done;
        Py_ssize_t start = at;
        while (start > low && plocal(t[start - 1]))
            start--;
        if (start == at || (start == low && low > 0 && plocal(t[low - 1])))
            continue;
        Py_ssize_t end, tld;
        int got = pii_email_match(t, start, at, stop, &end, &tld);
        if (got < 0) {
            x->unsure = 1;
            return;
        }
        if (!got)
            continue;
        done = end;
        char low_tld[8];
        int skip = 0;
        if (end - tld <= 4) {
            for (Py_ssize_t i = 0; i < end - tld; i++)
                low_tld[i] = (char)(t[tld + i] | 0x20);
            low_tld[end - tld] = 0;
            for (int i = 0; not_tlds[i]; i++)
                skip |= strcmp(low_tld, not_tlds[i]) == 0;
        }
        if (!skip)
            pii_add(x, start, end, PK_EMAIL, "email");
    }
}

/* -- known-prefix secrets: tokens.KNOWN_FORMATS / _find_known -------------------------- */

static const char *const fmt_prefixes[13][7] = {
    {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", NULL},
    {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", NULL},
    {"github_pat_", NULL},
    {"glpat-", NULL},
    {"xox", NULL},
    {"hooks.slack.com", NULL},
    {"k_live_", "k_test_", NULL},
    {"AIza", NULL},
    {"sk-", NULL},
    {"hf_", NULL},
    {"npm_", NULL},
    {"SG.", NULL},
    {"eyJ", NULL},
};
static const int fmt_leads[13] = {0, 0, 0, 0, 0, 8, 1, 0, 0, 0, 0, 0, 0};
static const char *const fmt_detectors[13] = {
    "secret:aws-access-key", "secret:github-token",  "secret:github-token",
    "secret:gitlab-token",   "secret:slack-token",   "secret:slack-webhook",
    "secret:stripe-key",     "secret:google-api-key", "secret:api-key",
    "secret:huggingface-token", "secret:npm-token",  "secret:sendgrid-key",
    "secret:jwt",
};

static int pstarts(const unsigned char *t, Py_ssize_t n, Py_ssize_t at, const char *s)
{
    if (at < 0)
        return 0;
    for (; *s; s++, at++)
        if (at >= n || t[at] != (unsigned char)*s)
            return 0;
    return 1;
}

/* The end of format `f`'s match at `s`, or -1 (pattern.match(text, s)). */
static Py_ssize_t pii_format_at(const unsigned char *t, Py_ssize_t n, int f, Py_ssize_t s)
{
    int boundary = s == 0 || !ptok(t[s - 1]); /* _B */
    Py_ssize_t r, l;
    switch (f) {
    case 0:
        if (s > 0 && pan(t[s - 1]))
            return -1;
        r = prun(t, s + 4, n, pud);
        if (r - (s + 4) < 16 || (s + 20 < n && pan(t[s + 20])))
            return -1;
        return s + 20;
    case 1: case 2: case 6: case 9: case 10: {
        int skip = f == 1 ? 4 : f == 2 ? 11 : f == 6 ? 8 : f == 9 ? 3 : 4;
        int lo = f == 1 ? 36 : f == 2 ? 60 : f == 6 ? 16 : f == 9 ? 30 : 36;
        Py_ssize_t hi = f == 1 ? 251 : f == 2 ? 240 : f == 6 ? 247 : f == 9 ? PY_SSIZE_T_MAX : 36;
        if (!boundary || (f == 6 && t[s] != 's' && t[s] != 'r'))
            return -1;
        r = prun(t, s + skip, n, f == 2 ? pw : pan);
        l = r - (s + skip);
        if (l < lo || l > hi || (r < n && ptok(t[r])))
            return -1;
        return r;
    }
    case 3:
        if (!boundary)
            return -1;
        r = prun(t, s + 6, n, ptok);
        return r - (s + 6) >= 20 ? r : -1;
    case 4:
        if (!boundary || s + 4 >= n || !strchr("abposre", t[s + 3]) || t[s + 3] == 0 ||
            t[s + 4] != '-')
            return -1;
        for (r = s + 5; r < n && (pan(t[r]) || t[r] == '-'); r++)
            ;
        l = r - (s + 5);
        if (l < 10 || l > 250 || (r < n && ptok(t[r])))
            return -1;
        return r;
    case 5: {
        static const char head[] = "https://hooks.slack.com/services/T";
        if (!pstarts(t, n, s, head))
            return -1;
        Py_ssize_t p = s + (Py_ssize_t)strlen(head);
        r = prun(t, p, n, pud);
        if (r == p || r + 1 >= n || t[r] != '/' || t[r + 1] != 'B')
            return -1;
        p = r + 2;
        r = prun(t, p, n, pud);
        if (r == p || r >= n || t[r] != '/')
            return -1;
        p = r + 1;
        r = prun(t, p, n, pan);
        return r - p >= 16 ? r : -1;
    }
    case 7:
        if (!boundary)
            return -1;
        r = prun(t, s + 4, n, ptok);
        return r - (s + 4) == 35 ? r : -1;
    case 8: {
        if (!boundary)
            return -1;
        int digit = 0, letter = 0;
        for (r = s + 3; r < n && ptok(t[r]); r++) {
            digit |= pd(t[r]);
            letter |= pa(t[r]);
        }
        return r - (s + 3) >= 20 && digit && letter ? r : -1;
    }
    case 11:
        if (!boundary)
            return -1;
        r = prun(t, s + 3, n, ptok);
        if (r - (s + 3) != 22 || r >= n || t[r] != '.')
            return -1;
        l = prun(t, r + 1, n, ptok);
        return l - (r + 1) == 43 ? l : -1;
    case 12: {
        if (s > 0 && (ptok(t[s - 1]) || t[s - 1] == '.'))
            return -1;
        r = prun(t, s + 3, n, ptok);
        if (r - (s + 3) < 8 || !pstarts(t, n, r, ".eyJ"))
            return -1;
        l = prun(t, r + 4, n, ptok);
        if (l - (r + 4) < 8 || l >= n || t[l] != '.')
            return -1;
        r = prun(t, l + 1, n, ptok);
        return r - (l + 1) >= 8 ? r : -1;
    }
    }
    return -1;
}

/* _find_known for every format. Every match holds a rarer character at a fixed place of
   its prefix ('_' of "ghp_", '-' of "sk-", 'J' of "eyJ"); one pass finds those, records
   where a format's prefix starts around them, then each format in turn matches at its
   places, its matches not overlapping, as the Python loop over formats does. A place
   Python tries and this pass skips ("xox" without its '-') cannot match. */
static const struct {
    unsigned char c;
    int format, offset;
} fmt_anchors[] = {
    {'A', 0, 0}, {'_', 1, 3}, {'_', 2, 6}, {'-', 3, 5}, {'-', 4, 4}, {'.', 5, 5},
    {'_', 6, 1}, {'A', 7, 0}, {'-', 8, 2}, {'_', 9, 2}, {'_', 10, 3}, {'.', 11, 2},
    {'J', 12, 2},
};

static void pii_known_secrets(PiiCtx *x)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n;
    Py_ssize_t at_of[64];
    int format_of[64], hits = 0;
    for (Py_ssize_t at = 0; at < n; at++) {
        unsigned char c = t[at];
        if (c != '_' && c != '-' && c != '.' && c != 'A' && c != 'J')
            continue;
        for (int a = 0; a < 13; a++) {
            if (fmt_anchors[a].c != c)
                continue;
            int f = fmt_anchors[a].format;
            Py_ssize_t p = at - fmt_anchors[a].offset;
            if (p < fmt_leads[f])
                continue;
            int hit = 0;
            for (int k = 0; fmt_prefixes[f][k] && !hit; k++)
                hit = pstarts(t, n, p, fmt_prefixes[f][k]);
            if (hit) {
                if (hits == 64) {
                    x->unsure = 1;
                    return;
                }
                at_of[hits] = p;
                format_of[hits++] = f;
            }
        }
    }
    for (int f = 0; f < 13 && hits; f++) {
        Py_ssize_t done = 0, end;
        for (int i = 0; i < hits; i++) {
            Py_ssize_t start = at_of[i] - fmt_leads[f];
            if (format_of[i] == f && start >= done && (end = pii_format_at(t, n, f, start)) >= 0) {
                done = end;
                pii_add(x, start, end, PK_SECRET, fmt_detectors[f]);
            }
        }
    }
}

/* -- digit candidates: digits.CANDIDATE.finditer -------------------------------------- */

static int pcand(unsigned char c) { return pd(c) || c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'; }

static int pii_candidates(const unsigned char *t, Py_ssize_t n, Py_ssize_t *spans, int *count)
{
    int k = 0;
    Py_ssize_t p = 0;
    while (p < n) {
        if (!pd(t[p])) {
            p++;
            continue;
        }
        Py_ssize_t r = prun(t, p + 1, n, pcand), j = r - 1, end = -1;
        while (j >= p + 6 && !pd(t[j]))
            j--;
        if (j >= p + 6)
            end = j + 1;
        else if (p + 4 < n && pd(t[p + 1]) && pd(t[p + 2]) && pd(t[p + 3]) && pu(t[p + 4]))
            end = p + 5;
        if (end < 0) {
            p++;
            continue;
        }
        if (k == PII_MAX_SPANS)
            return -1;
        spans[2 * k] = p;
        spans[2 * k + 1] = end;
        k++;
        p = end;
    }
    *count = k;
    return 0;
}

static int pii_windows(const Py_ssize_t *spans, int count, Py_ssize_t before, Py_ssize_t after,
                       Py_ssize_t n, Py_ssize_t *out)
{
    int k = 0;
    for (int i = 0; i < count; i++) {
        Py_ssize_t s = spans[2 * i] - before, e = spans[2 * i + 1] + after;
        if (s < 0)
            s = 0;
        if (e > n)
            e = n;
        if (k && s <= out[2 * k - 1]) {
            if (e > out[2 * k - 1])
                out[2 * k - 1] = e;
        } else {
            out[2 * k] = s;
            out[2 * k + 1] = e;
            k++;
        }
    }
    return k;
}

/* -- checksums.py ---------------------------------------------------------------------- */

static int luhn_ok(const char *d, int len)
{
    int total = 0;
    for (int i = 0; i < len; i++) {
        int v = d[len - 1 - i] - '0';
        if (i % 2) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        total += v;
    }
    return total % 10 == 0;
}

static int dnum(const char *d, int from, int to)
{
    int v = 0;
    for (int i = from; i < to; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

static const char *card_brand_of(const char *d, int len)
{
    int h2 = dnum(d, 0, 2), h3 = dnum(d, 0, 3), h4 = dnum(d, 0, 4);
    if (d[0] == '4')
        return len == 13 || len == 16 || len == 19 ? "card:visa" : NULL;
    if (((51 <= h2 && h2 <= 55) || (2221 <= h4 && h4 <= 2720)) && len == 16)
        return "card:mastercard";
    if (h2 == 34 || h2 == 37)
        return len == 15 ? "card:amex" : NULL;
    int long16 = 16 <= len && len <= 19;
    if (2200 <= h4 && h4 <= 2204 && long16)
        return "card:mir";
    if ((h4 == 6011 || (644 <= h3 && h3 <= 649) || h2 == 65) && long16)
        return "card:discover";
    if (3528 <= h4 && h4 <= 3589 && long16)
        return "card:jcb";
    if (((300 <= h3 && h3 <= 305) || h2 == 36 || h2 == 38 || h2 == 39) && 14 <= len && len <= 19)
        return "card:diners";
    if (h2 == 62 && long16)
        return "card:unionpay";
    if ((h4 == 5018 || h4 == 5020 || h4 == 5038 || h4 == 5893 || h4 == 6304 || h4 == 6759 ||
         h4 == 6761 || h4 == 6762 || h4 == 6763) && 12 <= len && len <= 19)
        return "card:maestro";
    return NULL;
}

static int all_same(const char *d, int len)
{
    for (int i = 1; i < len; i++)
        if (d[i] != d[0])
            return 0;
    return 1;
}

static int ssn_ok(const char *d)
{
    int area = dnum(d, 0, 3), group = dnum(d, 3, 5), serial = dnum(d, 5, 9);
    return 0 < area && area < 900 && area != 666 && group > 0 && serial > 0;
}

static int cpf_digit(const char *d, int count, int first_weight)
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += (d[i] - '0') * (first_weight - i);
    return total * 10 % 11 % 10;
}

static int cpf_ok(const char *d)
{
    if (all_same(d, 11))
        return 0;
    char buf[10];
    memcpy(buf, d, 9);
    int first = cpf_digit(buf, 9, 10);
    buf[9] = (char)('0' + first);
    int second = cpf_digit(buf, 10, 11);
    return d[9] - '0' == first && d[10] - '0' == second;
}

static int steuer_ok(const char *d)
{
    if (d[0] == '0')
        return 0;
    int counts[10] = {0}, repeated = 0, times = 0;
    for (int i = 0; i < 10; i++)
        counts[d[i] - '0']++;
    for (int i = 0; i < 10; i++)
        if (counts[i] > 1) {
            repeated++;
            times = counts[i];
        }
    if (repeated != 1 || times > 3)
        return 0;
    if (times == 3)
        for (int i = 0; i < 8; i++)
            if (d[i] == d[i + 1] && d[i + 1] == d[i + 2])
                return 0;
    int product = 10;
    for (int i = 0; i < 10; i++) {
        int total = (d[i] - '0' + product) % 10;
        if (total == 0)
            total = 10;
        product = total * 2 % 11;
    }
    int check = 11 - product;
    return d[10] - '0' == (check == 10 ? 0 : check);
}

static const int verhoeff_d[10][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
    {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
    {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
static const int verhoeff_p[8][10] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
    {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 7, 6, 8, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};

static int aadhaar_ok(const char *d)
{
    if (d[0] == '0' || d[0] == '1')
        return 0;
    int check = 0;
    for (int i = 0; i < 12; i++)
        check = verhoeff_d[check][verhoeff_p[i % 8][d[11 - i] - '0']];
    return check == 0;
}

static int cnpj_ok(const char *d)
{
    static const int w[13] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
    if (all_same(d, 14))
        return 0;
    char r[14];
    memcpy(r, d, 12);
    for (int round = 0; round < 2; round++) {
        int len = 12 + round, total = 0;
        const int *weights = round == 0 ? w + 1 : w;
        for (int i = 0; i < len; i++)
            total += (r[i] - '0') * weights[i];
        int rem = total % 11;
        r[len] = (char)('0' + (rem < 2 ? 0 : 11 - rem));
    }
    return r[12] == d[12] && r[13] == d[13];
}

static int nir_ok(const char *d)
{
    if (d[0] != '1' && d[0] != '2')
        return 0;
    int month = dnum(d, 3, 5);
    if (month < 1 || month > 12)
        return 0;
    long long head = 0;
    for (int i = 0; i < 13; i++)
        head = head * 10 + (d[i] - '0');
    return 97 - head % 97 == dnum(d, 13, 15);
}

/* -- digit runs: digits.DIGIT_RUN, _shape, _DATE, _card, classify_national, _phone -------- */

static Py_ssize_t dr_group(const unsigned char *t, Py_ssize_t q, Py_ssize_t lim)
{
    if (q >= lim)
        return -1;
    if (t[q] == '(') {
        Py_ssize_t r = q + 1;
        while (r < lim && pd(t[r]) && r - q - 1 < 5)
            r++;
        if (r == q + 1 || r >= lim || t[r] != ')')
            return -1;
        return r + 1;
    }
    if (!pd(t[q]))
        return -1;
    Py_ssize_t r = prun(t, q, lim, pd);
    if (r < lim && (pa(t[r]) || t[r] == '_' || t[r] == '@'))
        return -1;
    return r;
}

static Py_ssize_t dr_match(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim)
{
    if (p > 0 && (pw(t[p - 1]) || strchr(".+-/#", t[p - 1]) != NULL) && t[p - 1] != 0)
        return -1;
    Py_ssize_t cur;
    if (t[p] == '+')
        cur = dr_group(t, p + 1, lim);
    else if (t[p] == '(' && p + 1 < lim && t[p + 1] == '+') {
        cur = dr_group(t, p + 2, lim);
        if (cur < 0)
            cur = dr_group(t, p, lim);
    } else
        cur = dr_group(t, p, lim);
    if (cur < 0)
        return -1;
    for (;;) {
        Py_ssize_t nx = -1, q = cur;
        if (q < lim && t[q] == ' ' && q + 1 < lim && (t[q + 1] == '-' || t[q + 1] == '/'))
            q++;
        if (q < lim && (t[q] == '-' || t[q] == '/')) {
            q++;
            if (q < lim && t[q] == ' ')
                nx = dr_group(t, q + 1, lim);
            if (nx < 0)
                nx = dr_group(t, q, lim);
        }
        if (nx < 0 && cur < lim && (t[cur] == ' ' || t[cur] == '.'))
            nx = dr_group(t, cur + 1, lim);
        if (nx < 0 && t[cur - 1] == ')')
            nx = dr_group(t, cur, lim);
        if (nx < 0 && cur < lim && t[cur] == '(')
            nx = dr_group(t, cur, lim);
        if (nx < 0)
            return cur;
        cur = nx;
    }
}

static int date_month(const unsigned char *t, Py_ssize_t p, Py_ssize_t len)
{
    if (len == 1)
        return t[p] >= '1';
    if (len != 2)
        return 0;
    if (t[p] == '0')
        return t[p + 1] >= '1';
    return t[p] == '1' && t[p + 1] <= '2';
}

static int psep(unsigned char c) { return c == '.' || c == '/' || c == '-'; }

/* Whether _DATE matches at i (a digit-run start) and ends before a non-digit or b. */
static int date_at(const unsigned char *t, Py_ssize_t i, Py_ssize_t b)
{
    Py_ssize_t len[3] = {0, 0, 0}, start[3];
    unsigned char sep[2] = {0, 0};
    int k = 0;
    Py_ssize_t p = i;
    while (k < 3) {
        Py_ssize_t q = prun(t, p, b, pd);
        if (q == p)
            break;
        start[k] = p;
        len[k++] = q - p;
        if (k == 3 || q + 1 >= b || !psep(t[q]) || !pd(t[q + 1]))
            break;
        sep[k - 1] = t[q];
        p = q + 1;
    }
    if (k >= 2 && len[0] == 4 && len[1] <= 2)
        return 1; /* [0-9]{4}[./-][0-9]{1,2}, the rest optional */
    if (k == 3 && len[0] <= 2 && len[1] <= 2 && (len[2] == 2 || len[2] == 4))
        return 1;
    if (k >= 2 && sep[0] == '/' && len[1] == 2 && date_month(t, start[0], len[0]))
        return 1;
    return 0;
}

/* _DATE.fullmatch(text[a:b]) */
static int date_full(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t len[3], start[3];
    unsigned char sep[2] = {0, 0};
    int k = 0;
    Py_ssize_t p = a;
    for (;;) {
        Py_ssize_t q = prun(t, p, b, pd);
        if (q == p || k == 3)
            return 0;
        start[k] = p;
        len[k++] = q - p;
        if (q == b)
            break;
        if (!psep(t[q]) || k == 3)
            return 0;
        sep[k - 1] = t[q];
        p = q + 1;
    }
    if ((k == 2 || k == 3) && len[0] == 4 && len[1] <= 2 && (k == 2 || len[2] <= 2))
        return 1;
    if (k == 3 && len[0] <= 2 && len[1] <= 2 && (len[2] == 2 || len[2] == 4))
        return 1;
    if (k == 2 && sep[0] == '/' && len[1] == 2 && date_month(t, start[0], len[0]))
        return 1;
    return 0;
}

/* _HAS_DATE.search(text[a:b]) */
static int has_date(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t i = a; i < b; i++)
        if (pd(t[i]) && (i == a || !pd(t[i - 1])) && date_at(t, i, b))
            return 1;
    return 0;
}

#define REGION_US 1
#define REGION_CA 2
#define REGION_GB 4
#define REGION_DE 8
#define REGION_FR 16
#define REGION_IN 32
#define REGION_BR 64

static int shape_is(const int *shape, int groups, const int *want, int wanted)
{
    if (groups != wanted)
        return 0;
    for (int i = 0; i < groups; i++)
        if (shape[i] != want[i])
            return 0;
    return 1;
}

static int ci_at(const unsigned char *t, Py_ssize_t i, Py_ssize_t stop, const char *w)
{
    for (; *w; w++, i++)
        if (i >= stop || (pa(t[i]) ? t[i] | 0x20 : t[i]) != (unsigned char)*w)
            return 0;
    return 1;
}

static int no_phone_tail(const unsigned char *t, Py_ssize_t i, Py_ssize_t stop)
{
    for (; i < stop; i++)
        if (!strchr(" :.#-", t[i]) || t[i] == 0)
            return 0;
    return 1;
}

/* _NO_PHONE_BEFORE.search(text[max(0, start - 32):start]): an order, invoice or case
   number's word right before a run. */
static int no_phone_before(const unsigned char *t, Py_ssize_t start)
{
    static const char *const words[] = {
        "isbn", "issn", "doi", "order", "invoice", "ticket", "ref", "reference", "tracking",
        "account", "acct", "customer", "case", "po", "sku", "serial", "epoch", "timestamp",
        "unix", "bestellung", "rechnung", "commande", "facture", "pedido", "nota", NULL};
    static const char *const suffixes[] = {"no.", "no", "number", "nr.", "nr", "#", "id", NULL};
    Py_ssize_t low = start - 32 > 0 ? start - 32 : 0;
    for (Py_ssize_t i = low; i < start; i++) {
        if (i > low && pw(t[i - 1])) /* \b: the slice starts at low */
            continue;
        for (int w = 0; words[w]; w++) {
            if (!ci_at(t, i, start, words[w]))
                continue;
            Py_ssize_t j = i + (Py_ssize_t)strlen(words[w]), k = j;
            if (no_phone_tail(t, j, start))
                return 1;
            while (k < start && t[k] == ' ')
                k++;
            for (int f = 0; suffixes[f]; f++)
                if (ci_at(t, k, start, suffixes[f]) &&
                    no_phone_tail(t, k + (Py_ssize_t)strlen(suffixes[f]), start))
                    return 1;
        }
    }
    return 0;
}

/* _valid_region(run, None) through the scanner's own function (and its cache). */
static int pii_phone_verdict(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int rewrite, const char **det)
{
    static char detector[40];
    char run[64];
    Py_ssize_t len = 0;
    if (b - a > 60)
        return -1;
    if (rewrite) { /* "00 49 ..." is read as "+49 ..." */
        run[len++] = '+';
        a += 2;
    }
    memcpy(run + len, x->t + a, (size_t)(b - a));
    len += b - a;
    PyObject *found = PyObject_CallFunction(x->phone, "s#O", run, len, Py_None);
    if (found == NULL) {
        x->failed = 1;
        return -1;
    }
    int verdict = 0;
    if (found != Py_None) {
        Py_ssize_t size;
        const char *text = PyUnicode_Check(found) ? PyUnicode_AsUTF8AndSize(found, &size) : NULL;
        if (text == NULL || size >= (Py_ssize_t)sizeof detector) {
            PyErr_Clear();
            verdict = -1;
        } else {
            memcpy(detector, text, (size_t)size + 1);
            *det = detector;
            verdict = 1;
        }
    }
    Py_DECREF(found);
    return verdict;
}

/* _classify over text[a:b]: 0 nothing, 1 found (*kind, *det), -1 only Python can tell. */
static int pii_classify(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int *kind, const char **det)
{
    const unsigned char *t = x->t;
    char d[20];
    int nd = 0, shape[64], ng = 0;
    char seps[8];
    int ns = 0;
    for (Py_ssize_t p = a; p < b;) {
        if (pd(t[p])) {
            Py_ssize_t q = prun(t, p, b, pd);
            if (ng == 64)
                return -1;
            shape[ng++] = (int)(q - p);
            for (Py_ssize_t i = p; i < q; i++) {
                if (nd < 20)
                    d[nd] = (char)t[i];
                nd++;
            }
            p = q;
            continue;
        }
        if (t[p] != ' ' && !memchr(seps, t[p], (size_t)ns)) {
            if (ns == 7)
                return -1;
            seps[ns++] = (char)t[p];
        }
        p++;
    }
    if (!ns && ng > 1)
        seps[ns++] = ' ';
    seps[ns] = 0;
    if (nd < 7 || date_full(t, a, b))
        return 0;
    if (nd > 19)
        return 0; /* longer than any card, identifier or phone number */
    if ((x->types & (1 << PK_CARD)) && nd >= 13 && t[a] != '+' && t[a] != '(' &&
        (ns == 0 || !strcmp(seps, " ") || !strcmp(seps, "-"))) {
        int ok = 1;
        if (ng > 1) {
            ok = shape[0] == 4;
            for (int i = 1; i < ng - 1; i++)
                ok &= 3 <= shape[i] && shape[i] <= 6;
        }
        const char *brand = ok ? card_brand_of(d, nd) : NULL;
        if (brand && luhn_ok(d, nd)) {
            *kind = PK_CARD;
            *det = brand;
            return 1;
        }
    }
    if (x->types & (1 << PK_NATIONAL)) {
        static const int s324[] = {3, 2, 4}, s3332[] = {3, 3, 3, 2}, s2333[] = {2, 3, 3, 3},
                         s444[] = {4, 4, 4}, s23342[] = {2, 3, 3, 4, 2}, s132[] = {13, 2},
                         snir[] = {1, 2, 2, 2, 3, 3, 2};
        const char *found = NULL;
        int bare = ng == 1;
        *kind = PK_NATIONAL;
        if (nd == 9) {
            if (shape_is(shape, ng, s324, 3) && (!strcmp(seps, "-") || !strcmp(seps, " ")))
                found = ssn_ok(d) ? "national_id:US-SSN" : NULL;
            else if (bare && ssn_ok(d))
                return -1; /* an SSN only after a naming word (_SSN_WORDS) */
            if (found) {
                *det = found;
                return 1;
            }
        } else if (nd == 11) {
            if (cpf_ok(d)) {
                if (shape_is(shape, ng, s3332, 4) && !strcmp(seps, ".-")) {
                    *det = "national_id:BR-CPF";
                    return 1;
                }
                if (bare)
                    return -1; /* a CPF only after a naming word */
            }
            if ((bare || shape_is(shape, ng, s2333, 4)) &&
                (ns == 0 || !strcmp(seps, " ") || !strcmp(seps, "/")) && steuer_ok(d)) {
                *det = "national_id:DE-STEUER-ID";
                return 1;
            }
        } else if (nd == 12) {
            if (shape_is(shape, ng, s444, 3) && (!strcmp(seps, " ") || !strcmp(seps, "-"))) {
                if (aadhaar_ok(d)) {
                    *det = "national_id:IN-AADHAAR";
                    return 1;
                }
            } else if (bare && aadhaar_ok(d))
                return -1;
        } else if (nd == 14) {
            if (shape_is(shape, ng, s23342, 5) && !strcmp(seps, "./-")) {
                if (cnpj_ok(d)) {
                    *det = "national_id:BR-CNPJ";
                    return 1;
                }
            } else if (bare && cnpj_ok(d))
                return -1;
        } else if (nd == 15 && (bare || shape_is(shape, ng, s132, 2) || shape_is(shape, ng, snir, 7)) &&
                   (ns == 0 || !strcmp(seps, " ")) && nir_ok(d)) {
            *det = "national_id:FR-NIR";
            return 1;
        }
    }
    if (!(x->types & (1 << PK_PHONE)))
        return 0;
    /* _phone's tests on the run itself; past them only phonenumbers can tell. */
    if (nd > 15 || (ng > 1 && shape[ng - 1] < 2))
        return 0;
    int international = t[a] == '+' || (t[a] == '(' && b - a > 1 && t[a + 1] == '+');
    int rewrite = 0;
    if (!international && t[a] == '0' && b - a > 1 && t[a + 1] == '0' && nd >= 10)
        international = rewrite = 1;
    if (!international && shape[0] == 1 && d[0] != '1')
        return 0;
    if (memchr(seps, '.', (size_t)ns) && strcmp(seps, "."))
        return 0;
    if (!international) {
        if (!strcmp(seps, ".") && ng == 2)
            return 0;
        int r = x->regions, plausible = 0;
        if (r & (REGION_US | REGION_CA))
            plausible |= (nd == 10 && d[0] != '0') || (nd == 11 && d[0] == '1');
        if (r & REGION_GB)
            plausible |= (nd == 10 || nd == 11) && d[0] == '0';
        if (r & REGION_DE)
            plausible |= nd <= 13 && d[0] == '0';
        if (r & REGION_FR)
            plausible |= nd == 10 && d[0] == '0';
        if (r & REGION_IN)
            plausible |= (nd == 10 && d[0] >= '6') || (nd == 11 && d[0] == '0');
        if (r & REGION_BR)
            plausible |= (nd == 10 || nd == 11) && d[0] != '0';
        if (!plausible)
            return 0;
    }
    if (no_phone_before(t, a))
        return 0;
    if (!international || x->phone == NULL)
        return -1; /* the phone words and each region's number plan: Python's */
    *kind = PK_PHONE;
    return pii_phone_verdict(x, a, b, rewrite, det);
}

/* _IBAN_BEFORE.search(text, max(0, start - 40), start) */
static int iban_before(const unsigned char *t, Py_ssize_t start)
{
    Py_ssize_t low = start - 40 > 0 ? start - 40 : 0, j = start - 1;
    if (j < low || t[j] != ' ')
        return 0;
    for (;;) {
        if (j - 4 >= low && pu(t[j - 4]) && pu(t[j - 3]) && pd(t[j - 2]) && pd(t[j - 1]))
            return 1;
        if (j - 5 >= low && t[j - 5] == ' ' && pud(t[j - 4]) && pud(t[j - 3]) && pud(t[j - 2]) &&
            pud(t[j - 1]))
            j -= 5;
        else
            return 0;
    }
}

static void pii_put(PiiCtx *x, Py_ssize_t a, Py_ssize_t b, int *state)
{
    int kind;
    const char *det;
    int got = pii_classify(x, a, b, &kind, &det);
    if (got < 0)
        x->unsure = 1;
    else if (got)
        pii_add(x, a, b, kind, det);
    *state = got;
}

static int all_digits(const unsigned char *t, Py_ssize_t a, Py_ssize_t b)
{
    if (a == b)
        return 0;
    for (Py_ssize_t i = a; i < b; i++)
        if (!pd(t[i]))
            return 0;
    return 1;
}

/* digits._greedy */
static void pii_greedy(PiiCtx *x, const Py_ssize_t *pc, int count)
{
    const unsigned char *t = x->t;
    int first = 0;
    while (first < count && !x->unsure) {
        int matched = 0, top = first + 8 < count ? first + 8 : count;
        for (int last = top; last > first; last--) {
            Py_ssize_t s = pc[2 * first], e = pc[2 * (last - 1) + 1];
            if (e - s < 7)
                break;
            if (last < count && all_digits(t, pc[2 * last], pc[2 * last + 1]))
                continue;
            int got;
            pii_put(x, s, e, &got);
            if (got < 0)
                return;
            if (got) {
                matched = last;
                break;
            }
        }
        if (matched)
            first = matched;
        else if (pc[2 * first + 1] - pc[2 * first] <= 3 && t[pc[2 * first]] != '+')
            first++;
        else
            return;
    }
}

/* digits._read_run */
static void pii_read_run(PiiCtx *x, Py_ssize_t start, Py_ssize_t end)
{
    const unsigned char *t = x->t;
    if (end - start < 7)
        return;
    if (t[start] == '(' && t[start + 1] == '+')
        start++;
    if (!memchr(t + start, ' ', (size_t)(end - start))) {
        int got;
        pii_put(x, start, end, &got);
        return;
    }
    int after_iban = iban_before(t, start);
    if (!after_iban && !has_date(t, start, end)) {
        int got;
        pii_put(x, start, end, &got);
        if (got)
            return;
    }
    Py_ssize_t pieces[2 * PII_MAX_PIECES], part[2 * PII_MAX_PIECES];
    int np = 0, nparts = 0, first = 0;
    for (Py_ssize_t p = start; p < end;) {
        if (t[p] == ' ') {
            p++;
            continue;
        }
        Py_ssize_t q = p;
        while (q < end && t[q] != ' ')
            q++;
        if (np == PII_MAX_PIECES) {
            x->unsure = 1;
            return;
        }
        pieces[2 * np] = p;
        pieces[2 * np + 1] = q;
        np++;
        p = q;
    }
    if (after_iban)
        while (first < np && pieces[2 * first + 1] - pieces[2 * first] <= 4)
            first++;
    for (int i = first; i < np && !x->unsure; i++) {
        Py_ssize_t a = pieces[2 * i], b = pieces[2 * i + 1];
        int digit = 0;
        for (Py_ssize_t k = a; k < b; k++)
            digit |= pd(t[k]);
        if (!digit || date_full(t, a, b)) {
            pii_greedy(x, part, nparts);
            nparts = 0;
        } else {
            part[2 * nparts] = a;
            part[2 * nparts + 1] = b;
            nparts++;
        }
    }
    if (!x->unsure)
        pii_greedy(x, part, nparts);
}

static void pii_digit_runs(PiiCtx *x, const Py_ssize_t *spans, int count)
{
    for (int i = 0; i < count && !x->unsure; i++) {
        Py_ssize_t lim = spans[2 * i + 1] + 1 < x->n ? spans[2 * i + 1] + 1 : x->n;
        Py_ssize_t p = spans[2 * i] - 2 > 0 ? spans[2 * i] - 2 : 0;
        while (p < lim && !x->unsure) {
            Py_ssize_t end = dr_match(x->t, p, lim);
            if (end < 0) {
                p++;
                continue;
            }
            pii_read_run(x, p, end);
            p = end;
        }
    }
}

/* -- IBAN: detectors.find_ibans, IBAN, checksums.iban_valid ----------------------------- */

static const char iban_countries[] =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BR29BY28CH21CR22CY28CZ24DE22DK18DO28EE20EG29ES24"
    "FI18FO18FR27GB22GE22GI23GL18GR27GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32"
    "LI21LT20LU20LV21LY25MC27MD24ME22MK19MR27MT31MU30NL18NO15PK24PL28PS29PT25QA29RO24SA24"
    "SC31SE24SI19SK24SM27ST25SV28TL23TN24TR26UA29VA22VG24XK20";

static int iban_length(unsigned char a, unsigned char b)
{
    for (const char *p = iban_countries; *p; p += 4)
        if (p[0] == a && p[1] == b)
            return (p[2] - '0') * 10 + (p[3] - '0');
    return 0;
}

/* IBAN.search(text, position, lim): the match's start (*end its end), or -1. */
static Py_ssize_t iban_search(const unsigned char *t, Py_ssize_t position, Py_ssize_t lim,
                              Py_ssize_t *end)
{
    for (Py_ssize_t p = position; p + 3 < lim; p++) {
        if (!pu(t[p]) || (p > 0 && pan(t[p - 1])) || !pu(t[p + 1]) || !pd(t[p + 2]) ||
            !pd(t[p + 3]))
            continue;
        Py_ssize_t ends[31], q = p + 4;
        int units = 0;
        while (units < 30) {
            if (q + 1 < lim && t[q] == ' ' && pud(t[q + 1]))
                q += 2;
            else if (q < lim && pud(t[q]))
                q += 1;
            else
                break;
            ends[++units] = q;
        }
        for (int k = units; k >= 10; k--) {
            Py_ssize_t e = ends[k];
            if (e < lim && (pd(t[e]) || pl(t[e])))
                continue;
            *end = e;
            return p;
        }
    }
    return -1;
}

static void pii_ibans(PiiCtx *x, const Py_ssize_t *win, int count)
{
    const unsigned char *t = x->t;
    for (int w = 0; w < count; w++) {
        Py_ssize_t position = win[2 * w], stop = win[2 * w + 1], match_end, start;
        while ((start = iban_search(t, position, stop, &match_end)) >= 0) {
            int length = iban_length(t[start], t[start + 1]);
            position = start + 1;
            if (!length)
                continue;
            Py_ssize_t end;
            int taken;
            if (memchr(t + start, ' ', (size_t)(match_end - start))) {
                Py_ssize_t q = start + 4;
                int units = 0;
                while (units < length - 4) {
                    if (q + 1 < match_end && t[q] == ' ' && pud(t[q + 1]))
                        q += 2;
                    else if (q < match_end && pud(t[q]))
                        q += 1;
                    else
                        break;
                    units++;
                }
                if (units < length - 4)
                    continue;
                end = q;
                taken = length;
            } else {
                end = start + length < match_end ? start + length : match_end;
                taken = (int)(end - start);
            }
            if (taken < length || (end < x->n && pan(t[end])))
                continue;
            char compact[40];
            int k = 0;
            for (Py_ssize_t i = start; i < end; i++)
                if (t[i] != ' ')
                    compact[k++] = (char)t[i];
            /* ISO 7064 mod 97 over compact[4:] + compact[:4], letters as 10..35 */
            int rem = 0;
            for (int i = 0; i < k; i++) {
                unsigned char c = (unsigned char)compact[(i + 4) % k];
                if (pd(c))
                    rem = (rem * 10 + (c - '0')) % 97;
                else
                    rem = (rem * 100 + (c - 'A' + 10)) % 97;
            }
            if (rem == 1) {
                char det[8] = {'i', 'b', 'a', 'n', ':', compact[0], compact[1], 0};
                pii_add(x, start, end, PK_IBAN, det);
                position = end;
            }
        }
    }
}

/* -- letter-led national ids: national.LETTER_IDS ------------------------------------- */

static int ni_first(unsigned char c) { return pu(c) && !strchr("DFIQUV", c); }
static int ni_second(unsigned char c) { return pu(c) && !strchr("DFIOQUV", c); }

static Py_ssize_t ni_at(const unsigned char *t, Py_ssize_t p, Py_ssize_t lim, int spaced)
{
    Py_ssize_t q = p + 2;
    for (int g = 0; g < 3; g++) {
        if (spaced) {
            if (q >= lim || t[q] != ' ')
                return -1;
            q++;
        }
        if (q + 1 >= lim || !pd(t[q]) || !pd(t[q + 1]))
            return -1;
        q += 2;
    }
    if (spaced) {
        if (q >= lim || t[q] != ' ')
            return -1;
        q++;
    }
    if (q >= lim || t[q] < 'A' || t[q] > 'D')
        return -1;
    q++;
    return q < lim && pan(t[q]) ? -1 : q;
}

static void pii_letter_ids(PiiCtx *x, const Py_ssize_t *win, int count)
{
    static const char *const banned[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ", NULL};
    const unsigned char *t = x->t;
    for (int w = 0; w < count; w++) {
        Py_ssize_t lim = win[2 * w + 1];
        for (Py_ssize_t p = win[2 * w]; p < lim;) {
            Py_ssize_t end = -1;
            const char *det = NULL;
            if (!(p > 0 && pan(t[p - 1]))) {
                int ok = p + 1 < lim && ni_first(t[p]) && ni_second(t[p + 1]);
                for (int i = 0; ok && banned[i]; i++)
                    ok = !(t[p] == banned[i][0] && t[p + 1] == banned[i][1]);
                if (ok && (end = ni_at(t, p, lim, 1)) < 0)
                    end = ni_at(t, p, lim, 0);
                if (end >= 0)
                    det = "national_id:GB-NINO";
                else if (p + 10 <= lim && pu(t[p]) && pu(t[p + 1]) && pu(t[p + 2]) &&
                         t[p + 3] && strchr("ABCFGHJLPT", t[p + 3]) && pu(t[p + 4]) &&
                         pd(t[p + 5]) && pd(t[p + 6]) && pd(t[p + 7]) && pd(t[p + 8]) &&
                         pu(t[p + 9]) && !(p + 10 < lim && pan(t[p + 10]))) {
                    end = p + 10;
                    det = "national_id:IN-PAN";
                }
            }
            if (det) {
                pii_add(x, p, end, PK_NATIONAL, det);
                p = end;
            } else
                p++;
        }
    }
}

/* -- IPv4: detectors.find_ipv4, IPV4, _VERSION_BEFORE ---------------------------------- */

static Py_ssize_t octet(const unsigned char *t, Py_ssize_t q, Py_ssize_t lim)
{
    Py_ssize_t r = prun(t, q, lim, pd), len = r - q;
    if (len == 0 || len > 3 || (len > 1 && t[q] == '0'))
        return -1;
    if (len == 3 && (t[q] - '0') * 100 + (t[q + 1] - '0') * 10 + (t[q + 2] - '0') > 255)
        return -1;
    return r;
}

static int version_before(const unsigned char *t, Py_ssize_t start)
{
    static const char *const words[] = {"version", "ver.", "release", "build", "v", NULL};
    Py_ssize_t low = start - 10 > 0 ? start - 10 : 0, stop = start;
    while (stop > low && t[stop - 1] == ' ')
        stop--;
    /* the word ends where the spaces before the address begin; \b before it */
    for (int k = 0; words[k]; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(words[k]);
        for (Py_ssize_t e = stop; e <= start && e - len >= low; e++) {
            if (e > stop)
                break;
            Py_ssize_t i = e - len;
            int same = 1;
            for (Py_ssize_t j = 0; j < len && same; j++)
                same = (t[i + j] | (pa(t[i + j]) ? 0x20 : 0)) == (unsigned char)words[k][j];
            if (same && (i == 0 || !pw(t[i - 1])))
                return 1;
        }
    }
    return 0;
}

static void pii_ipv4(PiiCtx *x, const Py_ssize_t *spans, int count)
{
    const unsigned char *t = x->t;
    for (int i = 0; i < count; i++) {
        Py_ssize_t s = spans[2 * i], e = spans[2 * i + 1];
        if (!memchr(t + s, '.', (size_t)(e - s)))
            continue;
        Py_ssize_t lim = e + 1 < x->n ? e + 1 : x->n;
        for (Py_ssize_t p = s; p < lim;) {
            Py_ssize_t q = p;
            if (p > 0 && (pw(t[p - 1]) || t[p - 1] == '.'))
                q = -1;
            for (int k = 0; k < 4 && q >= 0; k++) {
                q = octet(t, q, lim);
                if (q >= 0 && k < 3)
                    q = q < lim && t[q] == '.' ? q + 1 : -1;
            }
            if (q >= 0 && ((q < lim && pw(t[q])) || (q + 1 < lim && t[q] == '.' && pd(t[q + 1]))))
                q = -1;
            if (q < 0) {
                p++;
                continue;
            }
            if (!version_before(t, p))
                pii_add(x, p, q, PK_IP, "ip:v4");
            p = q;
        }
    }
}

/* -- scanner.resolve_overlaps ------------------------------------------------------------ */

static const int pii_priority[7] = {4, 6, 2, 1, 5, 3, 0}; /* types.PRIORITY by kind code */

static int raw_by_position(const PiiRaw *a, const PiiRaw *b)
{
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return 0;
}

static int raw_by_rank(const PiiRaw *a, const PiiRaw *b)
{
    int pa_ = pii_priority[a->kind], pb_ = pii_priority[b->kind];
    if (pa_ != pb_)
        return pa_ < pb_ ? -1 : 1;
    Py_ssize_t la = a->start - a->end, lb = b->start - b->end;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return 0;
}

static void raw_sort(PiiRaw *r, int n, int (*cmp)(const PiiRaw *, const PiiRaw *))
{
    for (int i = 1; i < n; i++) { /* insertion sort: stable, as list.sort is */
        PiiRaw item = r[i];
        int j = i - 1;
        while (j >= 0 && cmp(&r[j], &item) > 0) {
            r[j + 1] = r[j];
            j--;
        }
        r[j + 1] = item;
    }
}

/* Leaves the kept findings in x->raw[0:count], in text order. */
static void pii_resolve(PiiCtx *x)
{
    int n = x->count;
    if (n < 2)
        return;
    raw_sort(x->raw, n, raw_by_position);
    int clean = 1;
    for (int i = 0; i + 1 < n; i++)
        clean &= x->raw[i].end <= x->raw[i + 1].start;
    if (clean)
        return;
    PiiRaw *ranked = x->ranked, *kept = x->kept;
    memcpy(ranked, x->raw, sizeof(PiiRaw) * (size_t)n);
    raw_sort(ranked, n, raw_by_rank);
    int k = 0;
    for (int i = 0; i < n; i++) {
        Py_ssize_t start = ranked[i].start, end = ranked[i].end;
        int index = 0;
        while (index < k && kept[index].start <= start)
            index++; /* bisect_right */
        if (index && kept[index - 1].end > start)
            continue;
        if (index < k && kept[index].start < end)
            continue;
        memmove(&kept[index + 1], &kept[index], sizeof(PiiRaw) * (size_t)(k - index));
        kept[index] = ranked[i];
        k++;
    }
    memcpy(x->raw, kept, sizeof(PiiRaw) * (size_t)k);
    x->count = k;
}

/* -- the entry point ------------------------------------------------------------------- */

#define FAM_EMAIL 1
#define FAM_DIGITS 2
#define FAM_IPV6 4
#define FAM_KNOWN 8
#define FAM_PRIVATE 16
#define FAM_ASSIGNED 32
#define PLAN_RUNS 64
#define PLAN_IBANS 128
#define PLAN_LETTER_IDS 256
#define PLAN_IPV4 512
#define PLAN_NAMES 1024
#define PLAN_ADDRESSES 2048

static int pii_has(const unsigned char *t, Py_ssize_t n, const char *s)
{
    return memmem(t, (size_t)n, s, strlen(s)) != NULL;
}

/* 1: x->raw holds the answer; 0: Python must run. */
static int pii_find(PiiCtx *x, long families, long plan)
{
    const unsigned char *t = x->t;
    Py_ssize_t n = x->n;
    long wanted = families & plan;
    unsigned bad = 0;
    for (Py_ssize_t i = 0; i < n; i++) /* no early exit: the compiler vectorises it */
        bad |= (unsigned)(t[i] < 0x20) | (unsigned)(t[i] > 0x7e);
    if (bad)
        return 0;
    if (plan & (PLAN_NAMES | PLAN_ADDRESSES))
        return 0;
    if ((wanted & FAM_IPV6) && (pii_has(t, n, "::") || memchr(t, ':', (size_t)n))) {
        Py_ssize_t colons = 0;
        for (Py_ssize_t i = 0; i < n; i++)
            colons += t[i] == ':';
        if (colons >= 7 || pii_has(t, n, "::"))
            return 0;
    }
    if ((wanted & FAM_PRIVATE) && pii_has(t, n, "PRIVATE KEY"))
        return 0;
    if ((wanted & FAM_ASSIGNED) && (memchr(t, '=', (size_t)n) || memchr(t, ':', (size_t)n) ||
                                    pii_has(t, n, " is ") || pii_has(t, n, "earer ")))
        return 0;
    if ((wanted & FAM_EMAIL) && memchr(t, '@', (size_t)n))
        pii_emails(x);
    if (!x->unsure && (wanted & FAM_DIGITS)) {
        Py_ssize_t *spans = x->spans, *win = x->windows;
        int count;
        if (pii_candidates(t, n, spans, &count) < 0)
            return 0;
        if (count) {
            if (plan & PLAN_RUNS)
                pii_digit_runs(x, spans, count);
            if (!x->unsure && (plan & PLAN_IBANS))
                pii_ibans(x, win, pii_windows(spans, count, 40, 44, n, win));
            if (!x->unsure && (plan & PLAN_LETTER_IDS))
                pii_letter_ids(x, win, pii_windows(spans, count, 8, 4, n, win));
            if (!x->unsure && (plan & PLAN_IPV4))
                pii_ipv4(x, spans, count);
        }
    }
    if (!x->unsure && (wanted & FAM_KNOWN))
        pii_known_secrets(x);
    if (x->unsure)
        return 0;
    pii_resolve(x);
    return 1;
}

/* One context while the GIL is held; another only if code pii_find calls back into (the
   phone check) or code building a result ran find_pii or redact_line again. */
static PiiCtx pii_shared;
static int pii_busy;

static PiiCtx *
pii_take(void)
{
    PiiCtx *x = pii_busy ? PyMem_Malloc(sizeof(PiiCtx)) : &pii_shared;
    if (x == NULL)
        PyErr_NoMemory();
    else if (x == &pii_shared)
        pii_busy = 1;
    return x;
}

static void
pii_give(PiiCtx *x)
{
    if (x == &pii_shared)
        pii_busy = 0;
    else
        PyMem_Free(x);
}

static void
pii_start(PiiCtx *x, const unsigned char *t, Py_ssize_t n, int types, int regions,
          PyObject *phone)
{
    x->t = t;
    x->n = n;
    x->types = types;
    x->regions = regions;
    x->unsure = x->failed = 0;
    x->count = 0;
    x->phone = phone == Py_None ? NULL : phone;
}

static PyObject *
find_pii(PyObject *module, PyObject *args)
{
    Py_buffer view;
    long families, plan;
    int types, regions;
    PyObject *phone = Py_None;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*llii|O:find_pii", &view, &families, &plan, &types, &regions,
                          &phone))
        return NULL;
    PiiCtx *x = pii_take();
    if (x == NULL) {
        PyBuffer_Release(&view);
        return NULL;
    }
    pii_start(x, view.buf, view.len, types, regions, phone);
    PyObject *result;
    int decided = pii_find(x, families, plan);
    if (x->failed)
        result = NULL;
    else if (!decided) {
        result = Py_None;
        Py_INCREF(result);
    } else if ((result = PyList_New(x->count)) != NULL) {
        for (int i = 0; i < x->count; i++) {
            PiiRaw *r = &x->raw[i];
            PyObject *item = Py_BuildValue("(nnis)", r->start, r->end, r->kind, r->detector);
            if (item == NULL) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, i, item);
        }
    }
    pii_give(x);
    PyBuffer_Release(&view);
    return result;
}

/* ---- redact_line: the text lane (pii/textlane.py) over a whole canonical line ------------
   Each string of canonical text (ASCII, no backslash) is spelled literally between two
   quotes; a key is the one followed by ':'. Every value string of at least MIN_LENGTH
   characters goes through pii_find, and its findings are masked in place (tags[kind] bytes)
   or kept (tags[kind] None). Any string pii_find cannot decide, and any finding of a kind
   whose tag is neither (pseudonymise, drop-record), answers None: Python's lane decides. */

#define PII_MIN_LENGTH 5 /* scanner.MIN_LENGTH */

typedef struct {
    Py_ssize_t start, end;
    PyObject *tag;
} PiiEdit;

/* Append one item to a PyMem array growing by doubling; 0, or a Python error set. */
static int
grow(void **items, Py_ssize_t *cap, Py_ssize_t count, size_t size)
{
    if (count < *cap)
        return 0;
    Py_ssize_t wanted = *cap ? 2 * *cap : 8;
    void *bigger = PyMem_Realloc(*items, (size_t)wanted * size);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return FAILED;
    }
    *items = bigger;
    *cap = wanted;
    return 0;
}

static PyObject *
redact_line(PyObject *module, PyObject *args)
{
    PyObject *canonical, *phone, *tags;
    long families, plan;
    int types, regions;
    (void)module;
    if (!PyArg_ParseTuple(args, "O!lliiOO!:redact_line", &PyBytes_Type, &canonical, &families,
                          &plan, &types, &regions, &phone, &PyTuple_Type, &tags))
        return NULL;
    Py_ssize_t tag_count = PyTuple_GET_SIZE(tags);
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(canonical);
    const unsigned char *end = data + PyBytes_GET_SIZE(canonical), *at = data;
    PiiEdit *edits = NULL;
    unsigned char *kinds = NULL;
    Py_ssize_t edit_count = 0, edit_cap = 0, kind_count = 0, kind_cap = 0, delta = 0;
    int decided = 1, failed = 0;
    PiiCtx *x = pii_take();
    if (x == NULL)
        return NULL;
    for (;;) {
        const unsigned char *open = memchr(at, '"', (size_t)(end - at));
        if (open == NULL)
            break;
        const unsigned char *text = open + 1;
        const unsigned char *close = memchr(text, '"', (size_t)(end - text));
        if (close == NULL) {
            decided = 0; /* not canonical text: Python's lane says what is wrong */
            break;
        }
        at = close + 1;
        Py_ssize_t n = close - text;
        if (n < PII_MIN_LENGTH || (at < end && *at == ':'))
            continue; /* too short for a finding, or a key (keys are not scanned) */
        pii_start(x, text, n, types, regions, phone);
        int sure = pii_find(x, families, plan);
        if (x->failed) {
            failed = 1;
            break;
        }
        if (!sure) {
            decided = 0;
            break;
        }
        for (int i = 0; i < x->count && decided; i++) {
            PiiRaw *r = &x->raw[i];
            PyObject *tag = r->kind < tag_count ? PyTuple_GET_ITEM(tags, r->kind) : NULL;
            if (tag != NULL && PyBytes_Check(tag)) {
                if (grow((void **)&edits, &edit_cap, edit_count, sizeof(PiiEdit)) < 0) {
                    failed = 1;
                    break;
                }
                PiiEdit *e = &edits[edit_count++];
                e->start = (text - data) + r->start;
                e->end = (text - data) + r->end;
                e->tag = tag;
                delta += PyBytes_GET_SIZE(tag) - (r->end - r->start);
            } else if (tag != Py_None)
                decided = 0; /* an action C does not apply */
            if (decided) {
                if (grow((void **)&kinds, &kind_cap, kind_count, 1) < 0) {
                    failed = 1;
                    break;
                }
                kinds[kind_count++] = (unsigned char)r->kind;
            }
        }
        if (failed || !decided)
            break;
    }
    pii_give(x);
    PyObject *result = NULL, *line = NULL, *hash = NULL, *found = NULL;
    if (failed)
        goto done;
    if (!decided) {
        result = Py_None;
        Py_INCREF(result);
        goto done;
    }
    if ((found = PyBytes_FromStringAndSize((const char *)kinds, kind_count)) == NULL)
        goto done;
    if (edit_count == 0) {
        result = PyTuple_Pack(3, canonical, Py_None, found);
        goto done;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(canonical) + delta;
    if ((line = PyBytes_FromStringAndSize(NULL, size)) == NULL)
        goto done;
    char *out = PyBytes_AS_STRING(line);
    Py_ssize_t from = 0;
    for (Py_ssize_t i = 0; i < edit_count; i++) {
        PiiEdit *e = &edits[i];
        Py_ssize_t tag_len = PyBytes_GET_SIZE(e->tag);
        memcpy(out, data + from, (size_t)(e->start - from));
        out += e->start - from;
        memcpy(out, PyBytes_AS_STRING(e->tag), (size_t)tag_len);
        out += tag_len;
        from = e->end;
    }
    memcpy(out, data + from, (size_t)(end - data - from));
    if ((hash = PyBytes_FromStringAndSize(NULL, 32)) == NULL)
        goto done;
    Hasher h;
    if (hasher_open(&h) < 0)
        goto done;
    int hashed = leaf(&h, PyBytes_AS_STRING(line), (size_t)size,
                      (unsigned char *)PyBytes_AS_STRING(hash));
    hasher_close(&h);
    if (!hashed) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not hash a line");
        goto done;
    }
    result = PyTuple_Pack(3, line, hash, found);
done:
    Py_XDECREF(line);
    Py_XDECREF(hash);
    Py_XDECREF(found);
    PyMem_Free(edits);
    PyMem_Free(kinds);
    return result;
}

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
