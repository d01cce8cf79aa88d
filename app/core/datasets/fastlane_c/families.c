/* Part of _fastlane.c, compiled inside it (see its header): the PII families of a line (pii/prefilter.line_families): one vectorised pass and exact checks. */

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
   words if the other half of their test holds. FAILED (memory ran out) when there is
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
    uint32_t *order = PyMem_RawRealloc(p->order, p->capacity * sizeof(uint32_t));
    if (order == NULL)
        return FAILED;
    p->order = order;
    uint32_t *spare = PyMem_RawRealloc(p->spare, p->capacity * sizeof(uint32_t));
    if (spare == NULL)
        return FAILED;
    p->spare = spare;
    p->ordered = p->capacity;
    return 0;
}
