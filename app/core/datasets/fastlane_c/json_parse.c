/* Part of _fastlane.c, compiled inside it (see its header): reading one JSON line into nodes: strings (escapes too), numbers, containers. */

/* A new node's index, or NO_NODE for a line with too many values or no memory left. */
static uint32_t
new_node(Lane *p, uint8_t kind, size_t start)
{
    if (p->used == p->capacity) {
        uint32_t capacity = p->capacity ? 2 * p->capacity : 256;
        if (capacity > MAX_NODES)
            return NO_NODE;
        Node *nodes = PyMem_RawRealloc(p->nodes, capacity * sizeof(Node));
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

/* Link child in after *last among the children of container self (first when none). */
static inline void
append_child(Lane *p, uint32_t self, uint32_t *last, uint32_t child)
{
    if (*last == NO_NODE)
        p->nodes[self].child = child;
    else
        p->nodes[*last].next = child;
    *last = child;
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
    if (p->nogil)
        return SLOW; /* PyOS_string_to_double and co. need the GIL */
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
            append_child(p, self, &last, child);
            skip_space(p);
            if (p->pos >= p->n || p->line[p->pos] != ':')
                return SLOW;
            p->pos++;
            skip_space(p);
        }
        if ((status = parse_value(p, &child, depth + 1)) != 0)
            return status;
        append_child(p, self, &last, child);
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
