/* Part of _fastlane.c, compiled inside it (see its header): writing the nodes as RFC 8785 canonical text: key order, numbers, escaped strings. */

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
