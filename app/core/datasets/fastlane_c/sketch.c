/* Part of _fastlane.c, compiled inside it (see its header): sketch_lines(), the schema sketch
   (schema.py) of a batch's sampled canonical lines, summed up per column. */

/* What schema._Column.add does per value, for a whole batch of canonical lines at once and
 * without the GIL: the kind, the 64-bit value hash (the first 8 bytes of SHA-256 over a tag
 * and the value's bytes: "s" and the string's UTF-8, "b" and 1 or 0, "n" and the number as
 * Python's _number spells it, "j" and a nested value's canonical text, which in a canonical
 * line is its own slice), string lengths in code points in _Lengths' buckets and the range
 * of numbers. Per column, the batch's summary: Python folds it into its builder in a few
 * steps per column, not per record (schema_lines.py).
 *
 * A line is read as canonical text is written: an object, no space, keys without escapes,
 * numbers spelled as RFC 8785 spells them. Anything else, and what C would sum up other than
 * Python does (an integer of 19 digits or more, which orjson may read as a float, or in a
 * nested value of 16 or more; "-0"; a whole float near 2^53; a lone surrogate; nesting deeper
 * than SCH_NEST; a key twice; a new column past max_columns) makes the line "slow": it is left out of the sums and named, and
 * Python sketches it from its parse. A line is only summed once all of it was read (its
 * values are kept per line first, then committed), so a slow line leaves no trace. The
 * strings are not checked to be UTF-8: canonical text is. */

enum { SCH_NULL, SCH_STRING, SCH_BOOLEAN, SCH_INTEGER, SCH_NUMBER, SCH_ARRAY, SCH_OBJECT, SCH_KINDS };
enum { SCH_OK, SCH_NO_MEMORY, SCH_NO_HASH, SCH_ORDER, SCH_RANGE, SCH_ENDS };
#define SCH_BUCKETS 528 /* schema._bucket(n) for every n below 2^64 */
#define SCH_NEST 64     /* nesting of a nested value (a bit per level) */
#define SCH_DIGITS 20   /* significant digits of a number read (integers have 18 at most) */

typedef struct {
    char digits[SCH_DIGITS]; /* significant digits: no leading or trailing 0 */
    uint8_t n;              /* how many (0: the number is zero) */
    uint8_t negative;
    int32_t point; /* the value is 0.digits * 10^point */
} Decimal;

typedef struct {
    uint64_t *slots; /* open addressing, 0 is empty */
    size_t cap, used;
    int zero; /* the hash 0 was added */
} HashSet;

typedef struct {
    const unsigned char *name; /* the key's bytes in the text */
    size_t name_len;
    uint32_t first; /* the position of the line it first showed in */
    uint32_t stamp; /* the last line (its index + 1) that had it: a key twice */
    uint64_t present, kinds[SCH_KINDS];
    HashSet hashes;
    uint64_t *buckets; /* SCH_BUCKETS string length counts, NULL before the first string */
    uint64_t strings, total, shortest, longest;
    int numbers;
    Decimal low, high;
    const unsigned char *low_token, *high_token;
    size_t low_len, high_len;
} SkColumn;

typedef struct {
    const unsigned char *key;
    size_t key_len;
    int32_t column;
    uint8_t kind;
    uint64_t hash;
    uint64_t length; /* strings: code points */
    const unsigned char *token; /* numbers: the token, and its value */
    size_t token_len;
    Decimal number;
} SkItem;

typedef struct {
    SkColumn *columns;
    size_t ncols, colcap, max_columns;
    int32_t *table; /* column indices by key hash, -1 empty */
    size_t table_cap;
    SkItem *items; /* the line being read */
    size_t nitems, itemcap;
    int32_t *predicted; /* the previous line's columns, key by key */
    size_t npredicted, predcap;
    unsigned char *scratch; /* a string with escapes, decoded */
    size_t scratch_cap;
    Hasher hasher;
    int error; /* SCH_NO_MEMORY, SCH_NO_HASH */
} Sketch;

/* Room for count items of size at *data (capacity *cap), or 0 with the error set. */
static int
sch_grow(Sketch *s, void **data, size_t *cap, size_t count, size_t size)
{
    if (count <= *cap)
        return 1;
    size_t want = *cap ? *cap : 16;
    while (want < count)
        want *= 2;
    void *grown = PyMem_RawRealloc(*data, want * size);
    if (grown == NULL) {
        s->error = SCH_NO_MEMORY;
        return 0;
    }
    *data = grown;
    *cap = want;
    return 1;
}

/* Set bits in a mask; leading zeros of a value that is not 0. */
static inline uint64_t
sch_popcount(unsigned mask)
{
#if defined(__GNUC__)
    return (uint64_t)__builtin_popcount(mask);
#else
    uint64_t count = 0;
    for (; mask; mask &= mask - 1)
        count++;
    return count;
#endif
}

static inline int
sch_clz64(uint64_t value)
{
#if defined(__GNUC__)
    return __builtin_clzll(value);
#else
    int count = 0;
    for (uint64_t bit = (uint64_t)1 << 63; !(value & bit); bit >>= 1)
        count++;
    return count;
#endif
}

/* The first 8 bytes of SHA-256(tag || data), big endian: schema._hash. */
static uint64_t
sch_hash(Sketch *s, char tag, const void *data, size_t len)
{
    unsigned char out[32];
    if (!digest2(&s->hasher, &tag, 1, data, len, out)) {
        s->error = SCH_NO_HASH;
        return 0;
    }
    uint64_t value = 0;
    for (int k = 0; k < 8; k++)
        value = value << 8 | out[k];
    return value;
}

static uint64_t
sch_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static int
set_add(Sketch *s, HashSet *set, uint64_t value)
{
    if (value == 0) {
        set->zero = 1;
        return 1;
    }
    if (2 * (set->used + 1) > set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 16;
        uint64_t *slots = PyMem_RawCalloc(cap, sizeof(uint64_t));
        if (slots == NULL) {
            s->error = SCH_NO_MEMORY;
            return 0;
        }
        for (size_t k = 0; k < set->cap; k++) {
            uint64_t old = set->slots[k];
            if (old == 0)
                continue;
            size_t at = (size_t)sch_mix(old) & (cap - 1);
            while (slots[at] != 0)
                at = (at + 1) & (cap - 1);
            slots[at] = old;
        }
        PyMem_RawFree(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t at = (size_t)sch_mix(value) & (set->cap - 1);
    for (;;) {
        uint64_t here = set->slots[at];
        if (here == value)
            return 1;
        if (here == 0) {
            set->slots[at] = value;
            set->used++;
            return 1;
        }
        at = (at + 1) & (set->cap - 1);
    }
}

/* -- reading a line ------------------------------------------------------------------- */

/* The index of the first quote, backslash or control character in s[0..room) (room when
   none), adding the UTF-8 continuation bytes before it to *cont. */
static size_t
sch_run(const unsigned char *s, size_t room, uint64_t *cont)
{
    size_t i = 0;
    uint64_t more = 0;
#ifdef __SSE2__
    const __m128i low = _mm_set1_epi8(0x1f), lead = _mm_set1_epi8((char)0xc0);
    for (; i + 16 <= room; i += 16) {
        __m128i v = LOAD(s + i);
        __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, low), v); /* v <= 0x1f */
        unsigned stop = MASK(OR(OR(IS(v, '"'), IS(v, '\\')), control));
        unsigned follow = MASK(_mm_cmplt_epi8(v, lead)); /* 0x80..0xbf, signed */
        if (stop) {
            unsigned at = lowest(stop);
            follow &= (1u << at) - 1;
            *cont += more + (follow ? sch_popcount(follow) : 0);
            return i + at;
        }
        if (follow) /* (ASCII text has none: no popcount, a library call without -mpopcnt) */
            more += sch_popcount(follow);
    }
#endif
    for (; i < room; i++) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\' || c < 0x20)
            break;
        more += (c & 0xc0) == 0x80;
    }
    *cont += more;
    return i;
}


/* Code points in UTF-8: the bytes that do not continue one. */
static uint64_t
sch_points(const unsigned char *s, size_t len)
{
    uint64_t follow = 0;
    for (size_t i = 0; i < len; i++)
        follow += (s[i] & 0xc0) == 0x80;
    return (uint64_t)len - follow;
}

/* A string with escapes from text (after its quote), decoded into s->scratch (*len bytes);
   *raw is where its closing quote is. SLOW for an escape JSON does not have or a lone
   surrogate (orjson refuses both). */
static int
sch_unescape(Sketch *s, const unsigned char *text, size_t room, size_t *raw, size_t *len)
{
    /* an escape is never shorter than what it stands for: room bytes hold the decoding */
    if (!sch_grow(s, (void **)&s->scratch, &s->scratch_cap, room + 1, 1))
        return FAILED;
    unsigned char *out = s->scratch;
    size_t i = 0, o = 0;
    uint64_t cont = 0;
    for (;;) {
        size_t run = sch_run(text + i, room - i, &cont);
        memcpy(out + o, text + i, run);
        o += run;
        i += run;
        if (i >= room || text[i] < 0x20)
            return SLOW;
        if (text[i] == '"')
            break;
        if (i + 1 >= room)
            return SLOW;
        unsigned char c = text[i + 1];
        if (c == 'u') {
            long code = room - i >= 6 ? hex4(text + i + 2) : -1;
            i += 6;
            if (code < 0 || (code >= 0xdc00 && code < 0xe000))
                return SLOW;
            if (code >= 0xd800 && code < 0xdc00) {
                long second = i + 6 <= room && text[i] == '\\' && text[i + 1] == 'u'
                                  ? hex4(text + i + 2)
                                  : -1;
                if (second < 0xdc00 || second >= 0xe000)
                    return SLOW;
                code = 0x10000 + ((code - 0xd800) << 10) + (second - 0xdc00);
                i += 6;
            }
            if (code < 0x80) {
                out[o++] = (unsigned char)code;
            }
            else if (code < 0x800) {
                out[o++] = (unsigned char)(0xc0 | code >> 6);
                out[o++] = (unsigned char)(0x80 | (code & 0x3f));
            }
            else if (code < 0x10000) {
                out[o++] = (unsigned char)(0xe0 | code >> 12);
                out[o++] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
                out[o++] = (unsigned char)(0x80 | (code & 0x3f));
            }
            else {
                out[o++] = (unsigned char)(0xf0 | code >> 18);
                out[o++] = (unsigned char)(0x80 | ((code >> 12) & 0x3f));
                out[o++] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
                out[o++] = (unsigned char)(0x80 | (code & 0x3f));
            }
            continue;
        }
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *found = c ? strchr(from, c) : NULL;
        if (found == NULL)
            return SLOW;
        out[o++] = (unsigned char)to[found - from];
        i += 2;
    }
    *raw = i;
    *len = o;
    return 0;
}

/* A number token as a Decimal; *is_float when it has a fraction or an exponent (orjson then
   reads a float). SLOW for what is not JSON, an integer of more than 18 digits (orjson reads
   some as floats), "-0" (read as 0), a float beyond 17 significant digits (not canonical)
   or at an end of the double range. */
static int
sch_decimal(const unsigned char *s, size_t len, Decimal *d, int *is_float)
{
    size_t i = 0;
    d->negative = 0;
    d->n = 0;
    if (i < len && s[i] == '-') {
        d->negative = 1;
        i++;
    }
    size_t int_start = i;
    if (i < len && s[i] == '0')
        i++;
    else if (i < len && s[i] >= '1' && s[i] <= '9')
        while (i < len && is_digit[s[i]])
            i++;
    else
        return SLOW;
    size_t int_end = i, frac_start = i, frac_end = i;
    int fraction = 0, exponent_given = 0;
    if (i < len && s[i] == '.') {
        fraction = 1;
        frac_start = ++i;
        while (i < len && is_digit[s[i]])
            i++;
        frac_end = i;
        if (frac_end == frac_start)
            return SLOW;
    }
    long exponent = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        exponent_given = 1;
        int negative = 0;
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            negative = s[i++] == '-';
        size_t start = i;
        for (; i < len && is_digit[s[i]]; i++) {
            if (i - start >= 4)
                return SLOW;
            exponent = exponent * 10 + (s[i] - '0');
        }
        if (i == start)
            return SLOW;
        if (negative)
            exponent = -exponent;
    }
    if (i != len)
        return SLOW;
    *is_float = fraction || exponent_given;
    if (!*is_float && (int_end - int_start > 18 || (d->negative && s[int_start] == '0')))
        return SLOW;
    long point = (long)(int_end - int_start) + exponent;
    int leading = 1;
    for (size_t k = int_start; k < frac_end; k++) {
        if (k == int_end)
            k = frac_start; /* over the point */
        if (k >= frac_end)
            break;
        char digit = (char)s[k];
        if (leading && digit == '0') {
            point--;
            continue;
        }
        leading = 0;
        if (d->n == SCH_DIGITS)
            return SLOW;
        d->digits[d->n++] = digit;
    }
    while (d->n && d->digits[d->n - 1] == '0')
        d->n--;
    if (d->n == 0) {
        d->negative = 0;
        point = 0;
    }
    if (*is_float && (d->n > 17 || point >= 309 || point <= -323))
        return SLOW;
    d->point = (int32_t)point;
    return 0;
}

/* A float as schema._Column._number spells it: str(int(value)) for a whole number below
   2^53, else repr (exponent past 16 digits or below 1e-4, "e-07", "e+21"). Python's repr and
   RFC 8785 write the same shortest digits, so the canonical token's are repr's; 0 when not
   sure (a whole number of 16 digits). out has room for 48 bytes. */
static size_t
sch_spell(const Decimal *d, char *out)
{
    size_t o = 0;
    int n = d->n, point = d->point;
    if (n == 0) {
        out[0] = '0';
        return 1;
    }
    if (d->negative)
        out[o++] = '-';
    if (point >= n && point <= 15) {
        memcpy(out + o, d->digits, (size_t)n);
        o += (size_t)n;
        for (int k = n; k < point; k++)
            out[o++] = '0';
        return o;
    }
    if (point >= n && point == 16)
        return 0;
    if (point <= -4 || point > 16) {
        out[o++] = d->digits[0];
        if (n > 1) {
            out[o++] = '.';
            memcpy(out + o, d->digits + 1, (size_t)n - 1);
            o += (size_t)n - 1;
        }
        int e = point - 1;
        out[o++] = 'e';
        out[o++] = e < 0 ? '-' : '+';
        e = e < 0 ? -e : e;
        char reversed[8];
        int t = 0;
        do {
            reversed[t++] = (char)('0' + e % 10);
            e /= 10;
        } while (e);
        if (t < 2)
            reversed[t++] = '0';
        while (t)
            out[o++] = reversed[--t];
        return o;
    }
    if (point <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int k = 0; k < -point; k++)
            out[o++] = '0';
        memcpy(out + o, d->digits, (size_t)n);
        return o + (size_t)n;
    }
    memcpy(out + o, d->digits, (size_t)point);
    o += (size_t)point;
    out[o++] = '.';
    memcpy(out + o, d->digits + point, (size_t)(n - point));
    return o + (size_t)(n - point);
}

/* The order of two numbers' values: exact for decimals, and for canonical tokens the order
   of their doubles (a double's shortest digits are closer to it than to any other). */
static int
sch_compare(const Decimal *a, const Decimal *b)
{
    int sa = a->n == 0 ? 0 : a->negative ? -1 : 1, sb = b->n == 0 ? 0 : b->negative ? -1 : 1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int magnitude;
    if (a->point != b->point) {
        magnitude = a->point < b->point ? -1 : 1;
    }
    else {
        int common = a->n < b->n ? a->n : b->n;
        int c = memcmp(a->digits, b->digits, (size_t)common);
        magnitude = c ? (c < 0 ? -1 : 1) : a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
    }
    return sa * magnitude;
}

static int
sch_in_number(unsigned char c)
{
    return is_digit[c] || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Past a nested value from line[*at] ('[' or '{'): strings skipped, brackets matched. SLOW
   past SCH_NEST levels, or for a run of 19 digits (an integer orjson may read as a float, which
   canonical_json would then refuse to write). */
static int
sch_skip(const unsigned char *line, size_t n, size_t *at)
{
    uint64_t objects = 0, cont = 0;
    int depth = 0;
    for (size_t i = *at; i < n; i++) {
        unsigned char c = line[i];
        if (c == '"') {
            for (i++;;) {
                i += sch_run(line + i, n - i, &cont);
                if (i >= n || line[i] < 0x20)
                    return SLOW;
                if (line[i] == '"')
                    break;
                if ((i += 2) >= n) /* an escape */
                    return SLOW;
            }
        }
        else if (c == '[' || c == '{') {
            if (depth == SCH_NEST)
                return SLOW;
            objects = objects << 1 | (c == '{');
            depth++;
        }
        else if (c == ']' || c == '}') {
            if (depth == 0 || (int)(objects & 1) != (c == '}'))
                return SLOW;
            objects >>= 1;
            if (--depth == 0) {
                *at = i + 1;
                return 0;
            }
        }
        else if (c == '-' || is_digit[c]) {
            size_t whole = i + (c == '-');
            while (whole < n && is_digit[line[whole]])
                whole++;
            int integer = !(whole < n && (line[whole] == '.' || line[whole] == 'e' ||
                                          line[whole] == 'E'));
            if (integer && whole - i - (c == '-') >= 16)
                return SLOW;
            for (i = whole; i < n && sch_in_number(line[i]); i++)
                ;
            i--; /* at the token's last byte */
        }
    }
    return SLOW;
}

/* One value from line[*at] into item: its kind, hash and length or number. */
static int
sch_value(Sketch *s, SkItem *item, const unsigned char *line, size_t n, size_t *at)
{
    size_t pos = *at;
    if (pos >= n)
        return SLOW;
    unsigned char c = line[pos];
    switch (c) {
    case '"': {
        const unsigned char *text = line + pos + 1;
        size_t room = n - pos - 1;
        uint64_t cont = 0;
        size_t i = sch_run(text, room, &cont);
        if (i >= room || text[i] < 0x20)
            return SLOW;
        if (text[i] == '"') {
            item->hash = sch_hash(s, 's', text, i);
            item->length = (uint64_t)i - cont;
            *at = pos + i + 2;
        }
        else {
            size_t raw, len;
            int status = sch_unescape(s, text, room, &raw, &len);
            if (status != 0)
                return status;
            item->hash = sch_hash(s, 's', s->scratch, len);
            item->length = sch_points(s->scratch, len);
            *at = pos + raw + 2;
        }
        item->kind = SCH_STRING;
        return 0;
    }
    case 't':
    case 'f': {
        int yes = c == 't';
        size_t len = yes ? 4 : 5;
        if (n - pos < len || memcmp(line + pos, yes ? "true" : "false", len) != 0)
            return SLOW;
        item->kind = SCH_BOOLEAN;
        item->hash = sch_hash(s, 'b', yes ? "1" : "0", 1);
        *at = pos + len;
        return 0;
    }
    case 'n':
        if (n - pos < 4 || memcmp(line + pos, "null", 4) != 0)
            return SLOW;
        item->kind = SCH_NULL;
        item->hash = 0;
        *at = pos + 4;
        return 0;
    case '[':
    case '{': {
        size_t end = pos;
        int status = sch_skip(line, n, &end);
        if (status != 0)
            return status;
        item->kind = c == '[' ? SCH_ARRAY : SCH_OBJECT;
        item->hash = sch_hash(s, 'j', line + pos, end - pos);
        *at = end;
        return 0;
    }
    default: {
        if (c != '-' && !is_digit[c])
            return SLOW;
        size_t end = pos;
        while (end < n && sch_in_number(line[end]))
            end++;
        int is_float = 0;
        int status = sch_decimal(line + pos, end - pos, &item->number, &is_float);
        if (status != 0)
            return status;
        if (is_float) {
            char spelled[48];
            size_t len = sch_spell(&item->number, spelled);
            if (len == 0)
                return SLOW;
            item->hash = sch_hash(s, 'n', spelled, len);
            item->kind = SCH_NUMBER;
        }
        else {
            item->hash = sch_hash(s, 'n', line + pos, end - pos);
            item->kind = SCH_INTEGER;
        }
        item->token = line + pos;
        item->token_len = end - pos;
        *at = end;
        return 0;
    }
    }
}

/* One line's values into s->items (nothing summed yet). */
static int
sch_line(Sketch *s, const unsigned char *line, size_t n)
{
    s->nitems = 0;
    if (n < 2 || line[0] != '{')
        return SLOW;
    if (line[1] == '}')
        return n == 2 ? 0 : SLOW;
    size_t pos = 1;
    for (;;) {
        if (pos >= n || line[pos] != '"')
            return SLOW;
        const unsigned char *key = line + pos + 1;
        size_t room = n - pos - 1;
        uint64_t cont = 0;
        size_t len = sch_run(key, room, &cont);
        if (len >= room || key[len] != '"')
            return SLOW; /* a key with an escape, or no end */
        pos += len + 2;
        if (pos >= n || line[pos] != ':')
            return SLOW;
        pos++;
        if (!sch_grow(s, (void **)&s->items, &s->itemcap, s->nitems + 1, sizeof(SkItem)))
            return FAILED;
        SkItem *item = &s->items[s->nitems++];
        item->key = key;
        item->key_len = len;
        item->column = -1;
        int status = sch_value(s, item, line, n, &pos);
        if (status != 0)
            return status;
        if (s->error)
            return FAILED;
        if (pos >= n)
            return SLOW;
        if (line[pos] == ',') {
            pos++;
            continue;
        }
        return line[pos] == '}' && pos + 1 == n ? 0 : SLOW;
    }
}

/* -- columns ------------------------------------------------------------------------------ */

static size_t
sch_key_slot(const Sketch *s, const unsigned char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ key[i]) * 0x100000001b3ULL;
    return (size_t)sch_mix(h) & (s->table_cap - 1);
}

static int32_t
sch_find(const Sketch *s, const unsigned char *key, size_t len)
{
    if (s->table_cap == 0)
        return -1;
    for (size_t at = sch_key_slot(s, key, len);; at = (at + 1) & (s->table_cap - 1)) {
        int32_t c = s->table[at];
        if (c < 0)
            return -1;
        const SkColumn *col = &s->columns[c];
        if (col->name_len == len && memcmp(col->name, key, len) == 0)
            return c;
    }
}

static void
sch_place(Sketch *s, int32_t c)
{
    size_t at = sch_key_slot(s, s->columns[c].name, s->columns[c].name_len);
    while (s->table[at] >= 0)
        at = (at + 1) & (s->table_cap - 1);
    s->table[at] = c;
}

/* The table made again (cap slots) over the columns there are. */
static int
sch_rehash(Sketch *s, size_t cap)
{
    int32_t *table = PyMem_RawMalloc(cap * sizeof(int32_t));
    if (table == NULL) {
        s->error = SCH_NO_MEMORY;
        return 0;
    }
    for (size_t k = 0; k < cap; k++)
        table[k] = -1;
    PyMem_RawFree(s->table);
    s->table = table;
    s->table_cap = cap;
    for (size_t c = 0; c < s->ncols; c++)
        sch_place(s, (int32_t)c);
    return 1;
}

static int32_t
sch_new_column(Sketch *s, const unsigned char *key, size_t len, uint32_t position)
{
    if (!sch_grow(s, (void **)&s->columns, &s->colcap, s->ncols + 1, sizeof(SkColumn)))
        return -1;
    if (2 * (s->ncols + 1) > s->table_cap &&
        !sch_rehash(s, s->table_cap ? 2 * s->table_cap : 64))
        return -1;
    SkColumn *col = &s->columns[s->ncols];
    memset(col, 0, sizeof(*col));
    col->name = key;
    col->name_len = len;
    col->first = position;
    int32_t c = (int32_t)s->ncols++;
    sch_place(s, c);
    return c;
}

static size_t
sch_bucket(uint64_t length)
{
    if (length < 64)
        return (size_t)length;
    int exponent = 63 - sch_clz64(length);
    return 64 + (size_t)(exponent - 6) * 8 + (size_t)((length >> (exponent - 3)) & 7);
}

/* The line's values (read by sch_line) summed into their columns; its keys are looked up
   first, so a line with a key twice or one column too many is left out whole. */
static int
sch_commit(Sketch *s, uint32_t position, uint32_t stamp)
{
    size_t fresh = 0;
    for (size_t i = 0; i < s->nitems; i++) {
        SkItem *item = &s->items[i];
        int32_t c = -1;
        if (i < s->npredicted) { /* lines of a batch mostly have the same keys */
            const SkColumn *guess = &s->columns[s->predicted[i]];
            if (guess->name_len == item->key_len &&
                memcmp(guess->name, item->key, item->key_len) == 0)
                c = s->predicted[i];
        }
        if (c < 0)
            c = sch_find(s, item->key, item->key_len);
        if (c >= 0) {
            if (s->columns[c].stamp == stamp)
                return SLOW; /* a key twice */
            s->columns[c].stamp = stamp;
        }
        else {
            fresh++;
        }
        item->column = c;
    }
    if (fresh) {
        size_t before = s->ncols;
        if (before + fresh > s->max_columns)
            return SLOW;
        for (size_t i = 0; i < s->nitems; i++) {
            SkItem *item = &s->items[i];
            if (item->column >= 0)
                continue;
            if (sch_find(s, item->key, item->key_len) >= 0) { /* a new key twice */
                s->ncols = before;
                return sch_rehash(s, s->table_cap) ? SLOW : FAILED;
            }
            int32_t c = sch_new_column(s, item->key, item->key_len, position);
            if (c < 0)
                return FAILED;
            s->columns[c].stamp = stamp;
            item->column = c;
        }
    }
    if (!sch_grow(s, (void **)&s->predicted, &s->predcap, s->nitems, sizeof(int32_t)))
        return FAILED;
    s->npredicted = s->nitems;
    for (size_t i = 0; i < s->nitems; i++) {
        const SkItem *item = &s->items[i];
        SkColumn *col = &s->columns[item->column];
        s->predicted[i] = item->column;
        col->present++;
        col->kinds[item->kind]++;
        if (item->kind == SCH_NULL)
            continue;
        if (!set_add(s, &col->hashes, item->hash))
            return FAILED;
        if (item->kind == SCH_STRING) {
            if (col->buckets == NULL &&
                (col->buckets = PyMem_RawCalloc(SCH_BUCKETS, sizeof(uint64_t))) == NULL) {
                s->error = SCH_NO_MEMORY;
                return FAILED;
            }
            uint64_t length = item->length;
            col->buckets[sch_bucket(length)]++;
            if (!col->strings || length < col->shortest)
                col->shortest = length;
            if (length > col->longest)
                col->longest = length;
            col->strings++;
            col->total += length;
        }
        else if (item->kind == SCH_INTEGER || item->kind == SCH_NUMBER) {
            if (!col->numbers || sch_compare(&item->number, &col->low) < 0) {
                col->low = item->number;
                col->low_token = item->token;
                col->low_len = item->token_len;
            }
            if (!col->numbers || sch_compare(&item->number, &col->high) > 0) {
                col->high = item->number;
                col->high_token = item->token;
                col->high_len = item->token_len;
            }
            col->numbers = 1;
        }
    }
    return 0;
}

/* -- the call ------------------------------------------------------------------------------ */

static PyObject *
sch_tuple(Py_ssize_t size, PyObject **items)
{
    PyObject *tuple = PyTuple_New(size);
    for (Py_ssize_t k = 0; k < size; k++) {
        if (tuple != NULL && items[k] != NULL)
            PyTuple_SET_ITEM(tuple, k, items[k]);
        else
            Py_XDECREF(items[k]);
        if (items[k] == NULL)
            Py_CLEAR(tuple);
    }
    return tuple;
}

/* One column's summary as schema_lines.py reads it. */
static PyObject *
sch_column(const SkColumn *col)
{
    PyObject *kinds = PyTuple_New(SCH_KINDS);
    for (int k = 0; kinds != NULL && k < SCH_KINDS; k++) {
        PyObject *count = PyLong_FromUnsignedLongLong(col->kinds[k]);
        if (count == NULL)
            Py_CLEAR(kinds);
        else
            PyTuple_SET_ITEM(kinds, k, count);
    }
    size_t count = col->hashes.used + (size_t)col->hashes.zero;
    PyObject *hashes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * sizeof(uint64_t)));
    if (hashes != NULL) {
        uint64_t *out = (uint64_t *)(void *)PyBytes_AS_STRING(hashes);
        size_t o = 0;
        for (size_t k = 0; k < col->hashes.cap; k++)
            if (col->hashes.slots[k] != 0)
                out[o++] = col->hashes.slots[k];
        if (col->hashes.zero)
            out[o++] = 0;
    }
    PyObject *lengths = Py_None;
    Py_INCREF(lengths);
    if (col->strings) {
        PyObject *buckets = PyDict_New();
        for (size_t b = 0; buckets != NULL && b < SCH_BUCKETS; b++) {
            if (col->buckets[b] == 0)
                continue;
            PyObject *key = PyLong_FromSize_t(b);
            PyObject *value = PyLong_FromUnsignedLongLong(col->buckets[b]);
            if (key == NULL || value == NULL || PyDict_SetItem(buckets, key, value) != 0)
                Py_CLEAR(buckets);
            Py_XDECREF(key);
            Py_XDECREF(value);
        }
        PyObject *parts[5] = {
            PyLong_FromUnsignedLongLong(col->strings), PyLong_FromUnsignedLongLong(col->total),
            PyLong_FromUnsignedLongLong(col->shortest), PyLong_FromUnsignedLongLong(col->longest),
            buckets,
        };
        Py_DECREF(lengths);
        lengths = sch_tuple(5, parts);
    }
    PyObject *low = Py_None, *high = Py_None;
    if (col->numbers) {
        low = PyBytes_FromStringAndSize((const char *)col->low_token, (Py_ssize_t)col->low_len);
        high = PyBytes_FromStringAndSize((const char *)col->high_token,
                                         (Py_ssize_t)col->high_len);
    }
    else {
        Py_INCREF(low);
        Py_INCREF(high);
    }
    PyObject *items[8] = {
        PyUnicode_DecodeUTF8((const char *)col->name, (Py_ssize_t)col->name_len, "strict"),
        PyLong_FromUnsignedLong(col->first),
        PyLong_FromUnsignedLongLong(col->present),
        kinds,
        hashes,
        lengths,
        low,
        high,
    };
    return sch_tuple(8, items);
}

static void
sch_free(Sketch *s)
{
    for (size_t c = 0; c < s->ncols; c++) {
        PyMem_RawFree(s->columns[c].hashes.slots);
        PyMem_RawFree(s->columns[c].buckets);
    }
    PyMem_RawFree(s->columns);
    PyMem_RawFree(s->table);
    PyMem_RawFree(s->items);
    PyMem_RawFree(s->predicted);
    PyMem_RawFree(s->scratch);
}

static PyObject *
sketch_lines(PyObject *module, PyObject *args)
{
    Py_buffer text, ends, positions;
    Py_ssize_t max_columns;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*y*y*n:sketch_lines", &text, &ends, &positions,
                          &max_columns))
        return NULL;
    PyObject *result = NULL;
    Sketch s;
    memset(&s, 0, sizeof(s));
    uint32_t *slow = NULL;
    size_t nslow = 0, slowcap = 0, failed_at = 0;
    int failure = SCH_OK, hashing = 0;
    if (ends.len % 8 != 0 || positions.len % 4 != 0 || max_columns < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "sketch_lines: ends must be uint64, positions uint32, max_columns >= 0");
        goto done;
    }
    if (hasher_open(&s.hasher) != 0)
        goto done;
    hashing = 1;
    s.max_columns = max_columns > (1 << 28) ? (size_t)1 << 28 : (size_t)max_columns;
    const char *text_at = text.buf, *ends_at = ends.buf, *positions_at = positions.buf;
    size_t lines = (size_t)ends.len / 8, count = (size_t)positions.len / 4;
    Py_BEGIN_ALLOW_THREADS
    uint32_t previous = 0;
    for (size_t k = 0; k < count; k++) {
        uint32_t p;
        uint64_t start = 0, end;
        memcpy(&p, positions_at + 4 * k, 4);
        failed_at = k;
        if (k && p <= previous) {
            failure = SCH_ORDER;
            break;
        }
        previous = p;
        if (p >= lines) {
            failure = SCH_RANGE;
            break;
        }
        if (p)
            memcpy(&start, ends_at + 8 * ((size_t)p - 1), 8);
        memcpy(&end, ends_at + 8 * (size_t)p, 8);
        if (end <= start || end > (uint64_t)text.len) {
            failure = SCH_ENDS;
            break;
        }
        int status = sch_line(&s, (const unsigned char *)text_at + start, (size_t)(end - 1 - start));
        if (status == 0)
            status = sch_commit(&s, p, (uint32_t)(k + 1));
        if (status == FAILED || s.error) {
            failure = s.error ? s.error : SCH_NO_MEMORY;
            break;
        }
        if (status == SLOW) {
            if (!sch_grow(&s, (void **)&slow, &slowcap, nslow + 1, sizeof(uint32_t))) {
                failure = SCH_NO_MEMORY;
                break;
            }
            slow[nslow++] = p;
        }
    }
    Py_END_ALLOW_THREADS
    switch (failure) {
    case SCH_OK:
        break;
    case SCH_NO_MEMORY:
        PyErr_NoMemory();
        goto done;
    case SCH_NO_HASH:
        PyErr_SetString(PyExc_RuntimeError, "sketch_lines: SHA-256 failed");
        goto done;
    case SCH_ORDER:
        PyErr_Format(PyExc_ValueError, "sketch_lines: positions must ascend (at index %zu)",
                     failed_at);
        goto done;
    case SCH_RANGE:
        PyErr_Format(PyExc_ValueError, "sketch_lines: position at index %zu is past the %zu lines",
                     failed_at, lines);
        goto done;
    default:
        PyErr_Format(PyExc_ValueError,
                     "sketch_lines: the ends of the line at index %zu are not in the text",
                     failed_at);
        goto done;
    }
    PyObject *columns = PyList_New((Py_ssize_t)s.ncols), *slow_list = PyList_New((Py_ssize_t)nslow);
    for (size_t c = 0; columns != NULL && c < s.ncols; c++) {
        PyObject *column = sch_column(&s.columns[c]);
        if (column == NULL)
            Py_CLEAR(columns);
        else
            PyList_SET_ITEM(columns, (Py_ssize_t)c, column);
    }
    for (size_t k = 0; slow_list != NULL && k < nslow; k++) {
        PyObject *position = PyLong_FromUnsignedLong(slow[k]);
        if (position == NULL)
            Py_CLEAR(slow_list);
        else
            PyList_SET_ITEM(slow_list, (Py_ssize_t)k, position);
    }
    PyObject *pair[2] = {columns, slow_list};
    result = sch_tuple(2, pair);
done:
    if (hashing)
        hasher_close(&s.hasher);
    sch_free(&s);
    PyMem_RawFree(slow);
    PyBuffer_Release(&text);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&positions);
    return result;
}

/* schema._Distinct._register_all over packed hashes: each hash's rank (leading zeros past the
   slot bits, plus one) raised into its slot's register. The per-value Python loop was most
   of what folding a batch's sums cost once a column's distinct values outgrow the cap. */
static PyObject *
hll_register(PyObject *module, PyObject *args)
{
    Py_buffer registers, hashes;
    int precision;
    (void)module;
    if (!PyArg_ParseTuple(args, "w*y*i:hll_register", &registers, &hashes, &precision))
        return NULL;
    PyObject *result = NULL;
    if (precision < 4 || precision > 16 || registers.len != (Py_ssize_t)1 << precision ||
        hashes.len % 8 != 0) {
        PyErr_SetString(PyExc_ValueError,
                        "hll_register: 2^precision registers (precision 4 to 16) and uint64 "
                        "hashes expected");
        goto done;
    }
    unsigned char *slot = registers.buf;
    const char *at = hashes.buf;
    for (Py_ssize_t k = 0; k < hashes.len / 8; k++) {
        uint64_t value;
        memcpy(&value, at + 8 * k, 8);
        uint64_t rest = value << precision; /* the bits past the slot, at the top */
        unsigned rank = rest ? (unsigned)sch_clz64(rest) + 1 : 65u - (unsigned)precision;
        size_t index = (size_t)(value >> (64 - precision));
        if (rank > slot[index])
            slot[index] = (unsigned char)rank;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&registers);
    PyBuffer_Release(&hashes);
    return result;
}
