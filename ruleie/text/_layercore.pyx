# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
"""Compiled kernels of the linguistic layer: the gathers and sums of the tagger and of the
linear engine, fused into one pass over the tokens.

The numpy code in ``tagger.py`` and ``linear.py`` is the reference: it gathers every row
a token needs into a temporary array, then adds the blocks and takes the arg-max, which
writes and reads several times the rows' bytes. Here each token's rows are added where
they lie and the arg-max taken at once. Results are the same bits: int16 sums wrap the
same way whatever the order (the sums never overflow anyway), float32 rows are added in
the reference's order, ties go to the first class. Import through ``layercore.py``.
"""

import numpy as np

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.long cimport PyLong_AsSsize_t
from cpython.object cimport PyObject
from libc.math cimport floor
from libc.string cimport memcpy
from libc.stdint cimport int16_t


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define RULEIE_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define RULEIE_PREFETCH(p) ((void)0)
    #endif
    """
    void RULEIE_PREFETCH(const void* p) noexcept nogil

# How many slots ahead the tagger asks for a type's rows: they are scattered over a table
# of tens of megabytes, so most rare words' rows miss the cache.
cdef enum:
    PREFETCH_AHEAD = 6


cdef enum:
    CONTEXT_LAG = 2  # slots pass 2 runs behind the first slot it could (see ``tag_classes``)
    RING = CONTEXT_LAG + 3


cdef inline void _prefetch_row(const int16_t* row, Py_ssize_t c) noexcept nogil:
    cdef const char* start = <const char*>row
    cdef Py_ssize_t q
    for q in range(0, 2 * c, 64):
        RULEIE_PREFETCH(start + q)


cdef inline Py_ssize_t _argmax16(const int16_t* acc, Py_ssize_t c) noexcept nogil:
    """Index of the largest of ``acc`` (the first on ties): the maximum first, in a loop
    without branches the compiler turns into vector instructions, then where it is."""
    cdef int16_t j, n = <int16_t>c, first = n, here
    cdef int16_t top = acc[0]
    for j in range(1, n):
        top = acc[j] if acc[j] > top else top
    # Where: the least index that holds the maximum, as a minimum over all of them (a
    # reduction, vectorised too, instead of a scan that stops at the first).
    for j in range(n):
        here = j if acc[j] == top else n
        first = here if here < first else first
    return first


def tag_classes(const Py_ssize_t[::1] padded, const int16_t[:, ::1] role_rows,
                const Py_ssize_t[::1] window_roles, const Py_ssize_t[::1] amb,
                const int16_t[:, ::1] context, const Py_ssize_t[::1] context_offsets):
    """The tagger's two passes (``Tagger.tag_ids``): the class of each slot of ``padded``,
    the number of classes at padding slots."""
    cdef Py_ssize_t m = padded.shape[0]
    cdef Py_ssize_t c = role_rows.shape[1]
    cdef Py_ssize_t k = c + 1  # tag ids in the context tables: the classes and the boundary
    if c >= 32767:
        raise ValueError("at most 32766 classes (the arg-max counts them in int16)")
    out = np.full(m, c, dtype=np.intp)
    first = np.full(m, c, dtype=np.intp)
    # Pass 2 at a slot needs the pass-1 tags two slots on; it runs CONTEXT_LAG slots further
    # behind, so that its context rows can be fetched ahead as soon as those tags are known.
    # The pass-1 sums wait in a ring.
    ring = np.zeros((RING, c), dtype=np.int16)
    cdef Py_ssize_t[::1] o = out
    cdef Py_ssize_t[::1] t = first
    cdef int16_t[:, ::1] sums = ring
    cdef Py_ssize_t i, j, p, q, a
    cdef const int16_t* rows[5]
    cdef const char* ahead
    cdef int16_t* acc
    with nogil:
        for i in range(2, m + CONTEXT_LAG):
            if i < m - 2:
                if i + 2 + PREFETCH_AHEAD < m:
                    ahead = <const char*>&role_rows[padded[i + 2 + PREFETCH_AHEAD] * 5, 0]
                    for q in range(0, 10 * c, 64):  # the type's five role rows, a cache line at a time
                        RULEIE_PREFETCH(ahead + q)
                    RULEIE_PREFETCH(&amb[padded[i + 2 + PREFETCH_AHEAD]])  # and its ambiguous-word offset (pass 2)
                if padded[i] != 0:
                    # Pass 1: the five words of the window, each in its role.
                    for q in range(5):
                        rows[q] = &role_rows[padded[i - 2 + q] * 5 + window_roles[q], 0]
                    acc = &sums[i % RING, 0]
                    for j in range(c):
                        # int16 wraps as numpy's does (the sums never reach the bounds anyway)
                        acc[j] = <int16_t>(rows[0][j] + rows[1][j] + rows[2][j] + rows[3][j] + rows[4][j])
                    t[i] = _argmax16(acc, c)
            p = i - 2  # the newest slot whose neighbours' tags are all known: fetch its context rows
            if 2 <= p < m - 2 and padded[p] != 0:
                a = amb[padded[p]]
                _prefetch_row(&context[t[p - 1] * k + t[p + 1] + context_offsets[0], 0], c)
                _prefetch_row(&context[t[p - 2] * k + t[p - 1] + context_offsets[1], 0], c)
                _prefetch_row(&context[t[p + 1] * k + t[p + 2] + context_offsets[2], 0], c)
                _prefetch_row(&context[a + t[p - 1] + context_offsets[3], 0], c)
                _prefetch_row(&context[a + t[p + 1] + context_offsets[4], 0], c)
            j = i - 2 - CONTEXT_LAG
            if j < 2 or j >= m - 2 or padded[j] == 0:
                continue
            # Pass 2: the neighbours' pass-1 tags, alone and with an ambiguous word.
            a = amb[padded[j]]
            rows[0] = &context[t[j - 1] * k + t[j + 1] + context_offsets[0], 0]
            rows[1] = &context[t[j - 2] * k + t[j - 1] + context_offsets[1], 0]
            rows[2] = &context[t[j + 1] * k + t[j + 2] + context_offsets[2], 0]
            rows[3] = &context[a + t[j - 1] + context_offsets[3], 0]
            rows[4] = &context[a + t[j + 1] + context_offsets[4], 0]
            acc = &sums[j % RING, 0]
            for q in range(c):
                acc[q] = <int16_t>(acc[q] + rows[0][q] + rows[1][q] + rows[2][q] + rows[3][q] + rows[4][q])
            o[j] = _argmax16(acc, c)
    return out


def engine_scores(const float[:, ::1] table, const Py_ssize_t[::1] w, const Py_ssize_t[::1] t,
                  Py_ssize_t word_base, Py_ssize_t n_tags):
    """The engine's scores (``Engine.run_padded``): one row per real slot of the padded type
    ids ``w`` and tag ids ``t`` (tag 0 is padding), the sum of its seven table rows in the
    reference's order: words at -1, 0, +1, tags at -2, +2, tag pairs (-1, 0) and (0, 1). With
    them, the type id and tag id of each real slot and whether it begins a sentence (``Scored``)."""
    cdef Py_ssize_t m = w.shape[0]
    cdef Py_ssize_t k = table.shape[1]
    cdef Py_ssize_t i, j, n = 0
    for i in range(2, m - 2):
        if t[i] != 0:
            n += 1
    out = np.empty((n, k), dtype=np.float32)
    types_array = np.empty(n, dtype=np.intp)
    tags_array = np.empty(n, dtype=np.intp)
    first_array = np.empty(n, dtype=np.bool_)
    if n == 0:
        return out, types_array, tags_array, first_array
    cdef Py_ssize_t[::1] types = types_array, tags = tags_array
    cdef unsigned char[::1] first = first_array.view(np.uint8)
    cdef float[:, ::1] o = out
    cdef const float* rows[7]
    cdef float* dst
    cdef float v
    cdef const char* ahead
    cdef Py_ssize_t pairs = 2 * n_tags
    cdef Py_ssize_t r = 0
    with nogil:
        for i in range(2, m - 2):
            if i + PREFETCH_AHEAD < m:  # the three word rows of a type are adjacent: 120 bytes
                ahead = <const char*>&table[w[i + PREFETCH_AHEAD] * 3 + word_base, 0]
                for j in range(0, 3 * k * 4, 64):
                    RULEIE_PREFETCH(ahead + j)
            if t[i] == 0:
                continue
            rows[0] = &table[w[i - 1] * 3 + word_base, 0]
            rows[1] = &table[w[i] * 3 + word_base + 1, 0]
            rows[2] = &table[w[i + 1] * 3 + word_base + 2, 0]
            rows[3] = &table[t[i - 2], 0]
            rows[4] = &table[t[i + 2] + n_tags, 0]
            rows[5] = &table[t[i - 1] * n_tags + t[i] + pairs, 0]
            rows[6] = &table[t[i] * n_tags + t[i + 1] + pairs + n_tags * n_tags, 0]
            dst = &o[r, 0]
            for j in range(k):
                v = rows[0][j]
                v = v + rows[1][j]
                v = v + rows[2][j]
                v = v + rows[3][j]
                v = v + rows[4][j]
                v = v + rows[5][j]
                v = v + rows[6][j]
                dst[j] = v
            types[r], tags[r], first[r] = w[i], t[i], t[i - 1] == 0
            r += 1
    return out, types_array, tags_array, first_array


cdef enum:
    N_LABELS = 7  # the entity model's labels: O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC


def entity_candidates(const float[:, ::1] scores, const unsigned char[::1] first, const int16_t[::1] flags,
                      const Py_ssize_t[::1] tags, const unsigned char[::1] edge_tags,
                      const float[:, ::1] transitions, double margin, object token, bint as_array=False):
    """The entity recogniser's candidate spans (``EntityRecognizer._candidates``): Viterbi over
    each run of tokens where a name is possible, then the spans of each decoded run, trimmed.
    A list of (start, end, kind 1 PER / 2 ORG / 3 LOC, first row, flags of the first word); with
    ``as_array``, the same as the rows of an (n, 5) array (what ``span_kinds`` and
    ``label_entities`` read without a tuple per candidate)."""
    cdef Py_ssize_t n = scores.shape[0]
    cdef Py_ssize_t i, j, l, p, s, e, a, b, start, end, kind, label
    cdef float m32 = <float>margin
    cdef float best, v
    cdef float delta[N_LABELS]
    cdef float step[N_LABELS]
    rows_array = np.zeros((n, 5), dtype=np.intp)  # at most a span per row
    cdef Py_ssize_t[:, ::1] rows = rows_array
    cdef Py_ssize_t count = 0
    if n == 0:
        return rows_array if as_array else []
    cdef const Py_ssize_t[::1] index
    cdef bint identity = token is None
    if not identity:
        index = token
    possible_array = np.zeros(n + 1, dtype=np.uint8)
    back_array = np.zeros((n, N_LABELS), dtype=np.int8)
    seq_array = np.zeros(n, dtype=np.int8)
    cdef unsigned char[::1] possible = possible_array
    cdef signed char[:, ::1] back = back_array
    cdef signed char[::1] seq = seq_array
    for i in range(n):
        best = scores[i, 1]
        for l in range(2, N_LABELS):
            if scores[i, l] > best:
                best = scores[i, l]
        possible[i] = best > scores[i, 0] - m32
    s = 0
    while s < n:
        if not possible[s]:
            s += 1
            continue
        # A run goes on while tokens are possible and no sentence starts; decoded as if O
        # stood on either side.
        e = s + 1
        while possible[e] and not first[e]:
            e += 1
        for l in range(N_LABELS):
            delta[l] = scores[s, l] + transitions[0, l]
        for j in range(s + 1, e):
            for l in range(N_LABELS):
                best = delta[0] + transitions[0, l]
                p = 0
                for i in range(1, N_LABELS):
                    v = delta[i] + transitions[i, l]
                    if v > best:
                        best = v
                        p = i
                back[j, l] = <signed char>p
                step[l] = best + scores[j, l]
            for l in range(N_LABELS):
                delta[l] = step[l]
        best = delta[0] + transitions[0, 0]
        label = 0
        for l in range(1, N_LABELS):
            v = delta[l] + transitions[l, 0]
            if v > best:
                best = v
                label = l
        for j in range(e - 1, s, -1):
            seq[j] = <signed char>label
            label = back[j, label]
        seq[s] = <signed char>label
        # The spans of the run: B- labels are odd, I- even; kind 1 PER, 2 ORG, 3 LOC.
        i = s
        while i < e:
            label = seq[i]
            if not label:
                i += 1
                continue
            kind = (label + 1) // 2
            j = i + 1
            while j < e and seq[j] and not seq[j] % 2 and (seq[j] + 1) // 2 == kind:
                j += 1
            start, end = i, j
            i = j
            # Trim what cannot begin or end a name.
            while start < end and ((flags[start] & 8) or edge_tags[tags[start]]):
                start += 1
            while end > start and ((flags[end - 1] & 8) or edge_tags[tags[end - 1]]):
                end -= 1
            if kind == 1:  # "Syrian President Bashar Assad": the name starts after those words
                while end - start > 1 and flags[start] & 2:
                    start += 1
            if end <= start:
                continue
            a = start if identity else index[start]
            rows[count, 0], rows[count, 1], rows[count, 2] = a, a + end - start, kind
            rows[count, 3], rows[count, 4] = start, flags[start]
            count += 1
        s = e
    if as_array:
        return rows_array[:count]
    return [tuple(x) for x in rows_array[:count].tolist()]


cdef inline void _bins(const float[:, ::1] scores, Py_ssize_t row, Py_ssize_t length, long* out) noexcept:
    """The mean margin of PER, ORG and LOC over O on rows row.. row + length, halved, floored,
    clipped to -4..4 (numpy's: a float32 sum over the rows in order, a float64 mean)."""
    cdef Py_ssize_t j, q, r
    cdef float o, top
    cdef float sums[3]
    cdef double mean
    sums[0] = sums[1] = sums[2] = 0  # each set from the first row
    for j in range(row, row + length):
        o = scores[j, 0]
        for q in range(3):
            r = 1 + 2 * q
            top = scores[j, r] if scores[j, r] >= scores[j, r + 1] else scores[j, r + 1]
            sums[q] = top - o if j == row else sums[q] + (top - o)
    for q in range(3):
        mean = floor(<double>sums[q] / <double>length / 2.0)
        out[q] = <long>(-4 if mean < -4 else 4 if mean > 4 else mean)


def span_bins(const float[:, ::1] scores, list candidates):
    """Per candidate (``entity_candidates``), the mean margin of PER, ORG and LOC over O on its
    rows, halved, floored and clipped to -4..4 (``entities.margin_bins``)."""
    cdef long out[3]
    found = []
    for candidate in candidates:
        _bins(scores, candidate[3], candidate[1] - candidate[0], out)
        found.append([out[0], out[1], out[2]])
    return found


cdef struct _Sum:
    float v[4]
    bint started


cdef inline void _add_row(_Sum* s, const float* weights, Py_ssize_t k) noexcept:
    """Add row ``k`` of the (rows, 4) weights (the first row added is copied, as numpy's reduceat does)."""
    cdef Py_ssize_t q
    cdef const float* row = weights + 4 * k
    if not s.started:
        for q in range(4):
            s.v[q] = row[q]
        s.started = True
    else:
        for q in range(4):
            s.v[q] = s.v[q] + row[q]


cdef bytes _packed(object ids):
    """Feature row ids (an iterable of ints, None left out) as native int32s in one bytes object:
    what ``_add_packed`` reads without touching a Python object per id."""
    return np.asarray([k for k in ids if k is not None], dtype=np.int32).tobytes()


cdef inline void _add_packed(_Sum* s, const float* weights, bytes ids) noexcept:
    cdef const int* p = <const int*>PyBytes_AS_STRING(ids)
    cdef Py_ssize_t q, n = PyBytes_GET_SIZE(ids) // 4
    for q in range(n):
        _add_row(s, weights, p[q])


cdef inline void _add_some(_Sum* s, const float* weights, Py_ssize_t k) noexcept:
    if k > 0:
        _add_row(s, weights, k)


# Keys and values of the word-pair caches: two type ids or feature ids (-1: none) as one number.
cdef inline long long _pair_code(Py_ssize_t x, Py_ssize_t y) noexcept:
    return (x + 1) * 4294967296 + (y + 1)


cdef inline size_t _mix(unsigned long long x) noexcept nogil:
    """splitmix64's finaliser: nearby keys (type ids, pairs of them) land far apart."""
    x ^= x >> 30
    x *= 0xbf58476d1ce4e5b9ULL
    x ^= x >> 27
    x *= 0x94d049bb133111ebULL
    x ^= x >> 31
    return <size_t>x


cdef class IntMap:
    """int64 -> int64 (values >= 0), open addressing, key and value side by side in one array: a
    look-up reads one slot where a dict of int keys reads its index, its entry and the key's
    object. The span classifier's caches keyed by type ids."""

    cdef object slots_array
    cdef long long* slots  # key, value; value -1: an empty slot
    cdef public Py_ssize_t count
    cdef Py_ssize_t mask

    def __init__(self, Py_ssize_t capacity=1024):
        self.count = 0
        self._allocate(capacity)

    cdef void _allocate(self, Py_ssize_t capacity):
        cdef Py_ssize_t size = 16
        while size < capacity:
            size *= 2
        self.slots_array = np.full(2 * size, -1, dtype=np.int64)
        cdef long long[::1] raw = self.slots_array
        self.slots = &raw[0]
        self.mask = size - 1

    cdef inline long long get(self, long long key) noexcept:
        cdef size_t i = _mix(<unsigned long long>key) & <size_t>self.mask
        while self.slots[2 * i + 1] != -1:
            if self.slots[2 * i] == key:
                return self.slots[2 * i + 1]
            i = (i + 1) & <size_t>self.mask
        return -1

    cdef void put(self, long long key, long long value):
        """Set ``key`` (not in the map yet) to ``value`` (>= 0)."""
        cdef size_t i
        cdef Py_ssize_t j, n
        cdef long long* old
        if 2 * (self.count + 1) > self.mask + 1:
            old_array = self.slots_array
            old = self.slots
            n = self.mask + 1
            self._allocate(2 * n)
            for j in range(n):
                if old[2 * j + 1] != -1:
                    self._insert(old[2 * j], old[2 * j + 1])
        self._insert(key, value)
        self.count += 1

    cdef inline void _insert(self, long long key, long long value) noexcept:
        cdef size_t i = _mix(<unsigned long long>key) & <size_t>self.mask
        while self.slots[2 * i + 1] != -1:
            i = (i + 1) & <size_t>self.mask
        self.slots[2 * i] = key
        self.slots[2 * i + 1] = value

    def __getitem__(self, long long key):
        cdef long long found = self.get(key)
        if found < 0:
            raise KeyError(key)
        return found

    def __setitem__(self, long long key, long long value):
        if value < 0:
            raise ValueError("values are >= 0")
        if self.get(key) >= 0:
            raise KeyError(f"{key} is set already")
        self.put(key, value)

    def __len__(self):
        return self.count


cdef class SpanCache:
    """The compiled span classifier's caches, by the engine's type ids (valid for one generation
    of them): each type's features as the word before and after a span, each name's (by its
    types), the features of the word pairs before and after spans. The feature ids of words and
    names lie in one int32 arena, found by a code (offset << 16 | count) kept in flat arrays, so
    that a candidate reads a few array slots rather than a chain of Python objects. Made by
    ``EntityRecognizer`` for its span model, which it reads from once."""

    cdef public object generation
    cdef list heads, margins
    cdef dict long_names, lower_ids
    cdef IntMap names, before, after
    cdef Py_ssize_t[:] tag_id, before_tag, after_tag
    cdef bytes no_prev, no_next
    cdef Py_ssize_t no_before_tag, no_after_tag
    cdef Py_ssize_t others[4]
    cdef dict index
    cdef object arena_array, names_array, words_array
    cdef int* arena
    cdef Py_ssize_t arena_used, n_names
    cdef long long* name_codes  # per name: its whole-string ids, its body ids, its lower-case string's number
    cdef long long* word_codes  # per type: its ids as the word before a span, as the word after (-1: not yet)
    cdef Py_ssize_t names_capacity, words_capacity

    def __init__(self, object fixed, object generation):
        self.generation = generation
        self.index = fixed.index
        self.heads = [_packed(fixed.head(k, n)) for k in range(4) for n in range(5)]  # kind * 5 + length (<= 4)
        self.margins = [None] * 9 ** 3  # (bins + 4) in base 9
        self.tag_id = np.asarray(fixed.tag_ids, dtype=np.intp)
        self.before_tag = np.asarray(fixed.before_tag, dtype=np.intp)
        self.after_tag = np.asarray(fixed.after_tag, dtype=np.intp)
        self.no_prev, self.no_next = _packed(fixed.no_prev), _packed(fixed.no_next)
        self.no_before_tag, self.no_after_tag = fixed.no_before_tag, fixed.no_after_tag
        for x in range(4):
            k = fixed.index.get(f"d={x}")
            self.others[x] = -1 if k is None else k
        self._forget()

    cdef void _forget(self):
        """Start the caches over (they only grow otherwise)."""
        self.long_names, self.lower_ids = {}, {}  # names of 3+ words by their types -> name number
        self.names, self.before, self.after = IntMap(), IntMap(), IntMap()  # names of 1 or 2 words -> number
        self.arena_array = np.zeros(1 << 16, dtype=np.int32)
        self.arena = <int*><size_t>self.arena_array.ctypes.data
        self.arena_used = 0
        self.names_capacity, self.n_names = 1024, 0
        self.names_array = np.zeros(3 * self.names_capacity, dtype=np.int64)
        self.name_codes = <long long*><size_t>self.names_array.ctypes.data
        self.words_capacity = 0
        self.words_array = np.zeros(0, dtype=np.int64)
        self.word_codes = NULL

    cdef long long store(self, object ids) except -1:
        """Put feature ids (None left out) in the arena: their code."""
        packed = np.asarray([k for k in ids if k is not None], dtype=np.int32)
        cdef Py_ssize_t n = len(packed), size = len(self.arena_array)
        if n >= 65536:
            raise ValueError("too many features for one word or name")
        if self.arena_used + n > size:
            while self.arena_used + n > size:
                size *= 2
            grown = np.zeros(size, dtype=np.int32)
            grown[:self.arena_used] = self.arena_array[:self.arena_used]
            self.arena_array = grown
            self.arena = <int*><size_t>grown.ctypes.data
        self.arena_array[self.arena_used:self.arena_used + n] = packed
        cdef long long code = (<long long>self.arena_used << 16) | n
        self.arena_used += n
        return code

    cdef Py_ssize_t add_name(self, object whole, object body, str lower) except -1:
        """A new name's number (its feature ids stored)."""
        cdef Py_ssize_t x = self.n_names
        if x == self.names_capacity:
            self.names_capacity *= 2
            grown = np.zeros(3 * self.names_capacity, dtype=np.int64)
            grown[:3 * x] = self.names_array[:3 * x]
            self.names_array = grown
            self.name_codes = <long long*><size_t>grown.ctypes.data
        found = self.lower_ids.get(lower)
        if found is None:
            found = self.lower_ids[lower] = len(self.lower_ids)
        self.name_codes[3 * x] = self.store(whole)
        self.name_codes[3 * x + 1] = self.store(body)
        self.name_codes[3 * x + 2] = found
        self.n_names += 1
        return x

    cdef void cover_types(self, Py_ssize_t most):
        """Room in the per-type codes for type ids up to ``most``."""
        cdef Py_ssize_t size = max(self.words_capacity, 1024)
        if most < self.words_capacity:
            return
        while size <= most:
            size *= 2
        grown = np.full(2 * size, -1, dtype=np.int64)
        grown[:2 * self.words_capacity] = self.words_array
        self.words_array = grown
        self.word_codes = <long long*><size_t>grown.ctypes.data
        self.words_capacity = size


cdef inline void _add_code(_Sum* s, const float* weights, const int* arena, long long code) noexcept:
    cdef const int* p = arena + (code >> 16)
    cdef Py_ssize_t q, n = code & 0xffff
    for q in range(n):
        _add_row(s, weights, p[q])


def span_kinds(SpanCache cache, object recognizer, object words, const Py_ssize_t[::1] types,
               const Py_ssize_t[::1] tags, const Py_ssize_t[:, ::1] candidates, const float[:, ::1] scores,
               list bounds, const float[:, ::1] weight_rows, const float[::1] bias):
    """The span classifier's kind of each candidate (0: dropped), as
    ``EntityRecognizer._span_feature_ids`` and ``_classify`` give it: the same feature rows,
    added in the same order, without the list of ids. Rows are tokens: ``types`` and ``tags``
    are the tokens' engine type ids and tag ids; ``candidates`` rows of (start, end, kind, row,
    flags); ``scores``: the recogniser's (for the margins, ``span_bins``); ``bounds``: the first
    token of each document and the end of the last; ``cache``: a ``SpanCache`` of the same
    generation of type ids as ``types``."""
    fixed = recognizer._span_ids
    cdef dict index = cache.index
    cdef long margin[3]
    name_ids = recognizer._name_ids
    word_feature_ids = recognizer._word_feature_ids
    cdef Py_ssize_t n_tokens = tags.shape[0]
    cdef Py_ssize_t n_candidates = candidates.shape[0]
    cdef Py_ssize_t i, j, a, b, kind, row, n, lo, hi, lo_doc, hi_doc, doc, x, best, t, k, p2, p12, number
    cdef float top, v
    cdef _Sum s
    cdef object key
    cdef long long pair, found_id, ahead, behind, code
    if weight_rows.shape[1] != 4:
        raise ValueError("the span classifier has four classes")
    if types.shape[0] != n_tokens or len(words) != n_tokens:
        raise ValueError("a type id and a tag for every token")
    if n_candidates and candidates.shape[1] != 5:
        raise ValueError("candidates are rows of five: start, end, kind, row, flags")
    if cache.n_names > 200_000 or cache.before.count > 200_000 or cache.after.count > 200_000:
        cache._forget()
    cdef IntMap names = cache.names
    cdef IntMap before_pairs = cache.before
    cdef IntMap after_pairs = cache.after
    cdef const float* weights = &weight_rows[0, 0]
    cdef Py_ssize_t n_bounds = len(bounds)
    bounds_array = np.asarray(bounds, dtype=np.intp)
    cdef const Py_ssize_t[::1] bv = bounds_array
    cdef Py_ssize_t most = 0
    for i in range(n_tokens):
        if types[i] > most:
            most = types[i]
    cache.cover_types(most)
    # Which candidates share a document and a string ("the same string got" features).
    docs_array = np.zeros(n_candidates, dtype=np.intp)
    cdef Py_ssize_t[::1] docs = docs_array
    number_array = np.zeros(n_candidates, dtype=np.intp)
    cdef Py_ssize_t[::1] numbers = number_array  # each candidate's name number
    groups = IntMap()  # document << 32 | lower-case string's number -> group
    group_array = np.zeros(n_candidates, dtype=np.intp)
    count_array = np.zeros((max(n_candidates, 1), 4), dtype=np.intp)
    cdef IntMap group_map = groups
    cdef Py_ssize_t[::1] group_of = group_array
    cdef Py_ssize_t[:, ::1] counts = count_array
    cdef Py_ssize_t n_groups = 0, g
    for i in range(n_candidates):
        a = candidates[i, 0]
        b = candidates[i, 1]
        kind = candidates[i, 2]
        if not 0 <= kind <= 3:
            raise ValueError(f"a candidate of kind {kind}")
        if not 0 <= a < b <= n_tokens:
            raise ValueError(f"a candidate span ({a}, {b}) outside the tokens")
        if candidates[i, 3] != a:
            raise ValueError("rows must be tokens")
        lo_doc, hi_doc = 0, n_bounds  # bisect_left(bounds, a + 1)
        while lo_doc < hi_doc:
            x = (lo_doc + hi_doc) // 2
            if bv[x] < a + 1:
                lo_doc = x + 1
            else:
                hi_doc = x
        docs[i] = lo_doc
        # A name's key: its type, or two types in one number (negative), or the tuple of its types.
        if b - a <= 2:
            pair = types[a] if b - a == 1 else -((types[a] + 1) * 4294967296 + types[a + 1] + 1)
            found_id = names.get(pair)
            if found_id < 0:
                whole, body, lower = name_ids(tuple(words[a:b]))
                found_id = cache.add_name(whole, body, lower)
                names.put(pair, found_id)
        else:
            key = tuple([types[j] for j in range(a, b)])
            found = cache.long_names.get(key)
            if found is None:
                whole, body, lower = name_ids(tuple(words[a:b]))
                found = cache.long_names[key] = cache.add_name(whole, body, lower)
            found_id = found
        numbers[i] = found_id
        pair = (<long long>lo_doc << 32) | cache.name_codes[3 * found_id + 2]
        g = group_map.get(pair)
        if g < 0:
            g = n_groups
            group_map.put(pair, g)
            n_groups += 1
        group_of[i] = g
        counts[g, kind] += 1
    kinds = []
    for i in range(n_candidates):
        a = candidates[i, 0]
        b = candidates[i, 1]
        kind = candidates[i, 2]
        row = a
        n = b - a
        doc = docs[i]
        lo = bv[doc - 1]
        hi = bv[doc]
        s.started = False
        number = numbers[i]
        _add_packed(&s, weights, cache.heads[kind * 5 + min(n, 4)])
        _add_code(&s, weights, cache.arena, cache.name_codes[3 * number])
        _bins(scores, row, n, margin)
        x = (margin[0] + 4) * 81 + (margin[1] + 4) * 9 + margin[2] + 4
        found = cache.margins[x]
        if found is None:
            found = cache.margins[x] = _packed(fixed.margins([margin[0], margin[1], margin[2]]))
        _add_packed(&s, weights, found)
        _add_code(&s, weights, cache.arena, cache.name_codes[3 * number + 1])
        for j in range(row, row + n):
            _add_some(&s, weights, cache.tag_id[tags[j]])
        if a > lo:
            t = types[a - 1]
            code = cache.word_codes[2 * t]
            if code < 0:
                code = cache.word_codes[2 * t] = cache.store(word_feature_ids(words[a - 1])[3])
            _add_code(&s, weights, cache.arena, code)
        else:
            _add_packed(&s, weights, cache.no_prev)
        if b < hi:
            t = types[b]
            code = cache.word_codes[2 * t + 1]
            if code < 0:
                code = cache.word_codes[2 * t + 1] = cache.store(word_feature_ids(words[b])[4])
            _add_code(&s, weights, cache.arena, code)
        else:
            _add_packed(&s, weights, cache.no_next)
        # The two words before and after: their features as one number, two ids (-1: none).
        pair = _pair_code(types[a - 2] if a > lo + 1 else -1, types[a - 1] if a > lo else -1)
        ahead = before_pairs.get(pair)
        if ahead < 0:
            before = words[a - 1].lower() if a > lo else "<s>"
            before2 = words[a - 2].lower() if a > lo + 1 else "<s>"
            ahead = _pair_code(_or_none(index.get("p2=" + before2)), _or_none(index.get("p12=" + before2 + "_" + before)))
            before_pairs.put(pair, ahead)
        pair = _pair_code(types[b] if b < hi else -1, types[b + 1] if b + 1 < hi else -1)
        behind = after_pairs.get(pair)
        if behind < 0:
            after = words[b].lower() if b < hi else "</s>"
            after2 = words[b + 1].lower() if b + 1 < hi else "</s>"
            behind = _pair_code(_or_none(index.get("n2=" + after2)), _or_none(index.get("n12=" + after + "_" + after2)))
            after_pairs.put(pair, behind)
        p2, p12 = ahead // 4294967296 - 1, ahead % 4294967296 - 1
        _add_some(&s, weights, p2)
        k, x = behind // 4294967296 - 1, behind % 4294967296 - 1
        _add_some(&s, weights, k)
        _add_some(&s, weights, p12)
        _add_some(&s, weights, x)
        x = cache.before_tag[tags[row - 1]] if a > lo and row > 0 else cache.no_before_tag
        _add_some(&s, weights, x)
        x = cache.after_tag[tags[row + n]] if b < hi and row + n < n_tokens else cache.no_after_tag
        _add_some(&s, weights, x)
        g = group_of[i]
        if counts[g, 0] + counts[g, 1] + counts[g, 2] + counts[g, 3] > 1:
            for x in range(4):  # the kinds the same string got elsewhere, in order
                if counts[g, x] - (x == kind) > 0:
                    _add_some(&s, weights, cache.others[x])
        _add_row(&s, weights, 0)  # the zero row every candidate has
        best = 0
        top = s.v[0] + bias[0]
        for x in range(1, 4):
            v = s.v[x] + bias[x]
            if v > top:
                top = v
                best = x
        kinds.append(best)
    return kinds


cdef inline Py_ssize_t _or_none(object k):
    return -1 if k is None else <Py_ssize_t>k


cdef extern from "Python.h":
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    bint PyUnicode_CheckExact(object o)
    int PyUnicode_READY(object o) except -1


cdef struct _Slot:
    Py_hash_t hash
    int id  # 0: an empty slot (no word has type 0)
    int meta  # the word's character size (PEP 393 kind) << 28 | its length in bytes, capped
    unsigned long long head  # its first 8 bytes (zeros after the end)


cdef inline int _meta(object word) noexcept:
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(word) * PyUnicode_KIND(word)
    return (PyUnicode_KIND(word) << 28) | <int>(size if size < (1 << 27) else (1 << 27))


cdef inline unsigned long long _head(object word) noexcept:
    cdef unsigned long long out = 0
    cdef Py_ssize_t size = PyUnicode_GET_LENGTH(word) * PyUnicode_KIND(word)
    memcpy(&out, PyUnicode_DATA(word), size if size < 8 else 8)
    return out


cdef class TypeTable:
    """word -> type id, as the tagger's dicts (``Tagger._ids``, ``_first_ids``) hold them, in an
    open-addressing table of the words' str hashes: a look-up reads one slot, and no word
    object at all when the word's bytes fit in the slot (8 bytes: "the", "Baghdad"), so that
    the slots of the next tokens can be fetched ahead (``padded_type_ids``). Equal words have
    equal hashes, kinds and bytes (PEP 393), so the look-up is exact. ``words`` (type id ->
    word) serves the longer words. Only exact str keys."""

    cdef object slots_array
    cdef _Slot* slots
    cdef Py_ssize_t mask, count
    cdef list words

    def __init__(self, list words, Py_ssize_t capacity=1024):
        self.words = words
        self.count = 0
        self._allocate(capacity)

    cdef void _allocate(self, Py_ssize_t capacity):
        cdef Py_ssize_t size = 16
        while size < capacity:
            size *= 2
        self.slots_array = np.zeros(size * sizeof(_Slot), dtype=np.uint8)
        cdef unsigned char[::1] raw = self.slots_array
        self.slots = <_Slot*>&raw[0]
        self.mask = size - 1

    def __len__(self):
        return self.count

    def add(self, str word, Py_ssize_t type_id):
        """Give ``word`` (not in the table yet) the type ``type_id`` (> 0)."""
        if type_id <= 0 or type_id >= (1 << 31):
            raise ValueError(f"type id out of range: {type_id}")
        if not PyUnicode_CheckExact(word):
            raise TypeError("only str keys")
        PyUnicode_READY(word)
        if 2 * (self.count + 1) > self.mask + 1:
            self._grow()
        self._put(hash(word), type_id, _meta(word), _head(word))
        self.count += 1

    cdef void _put(self, Py_hash_t h, int type_id, int meta, unsigned long long head) noexcept:
        cdef Py_ssize_t i = <Py_ssize_t>(<size_t>h & <size_t>self.mask)
        while self.slots[i].id != 0:
            i = (i + 1) & self.mask
        self.slots[i].hash = h
        self.slots[i].id = type_id
        self.slots[i].meta = meta
        self.slots[i].head = head

    cdef void _grow(self):
        old_array = self.slots_array
        cdef _Slot* old = self.slots
        cdef Py_ssize_t i, n = self.mask + 1
        self._allocate(2 * n)
        for i in range(n):
            if old[i].id != 0:
                self._put(old[i].hash, old[i].id, old[i].meta, old[i].head)

    cdef inline void prefetch(self, Py_hash_t h) noexcept:
        RULEIE_PREFETCH(&self.slots[<Py_ssize_t>(<size_t>h & <size_t>self.mask)])

    cdef Py_ssize_t find(self, object word, Py_hash_t h) except -1:
        """The type id of ``word`` (an exact, ready str of hash ``h``), 0 if it has none."""
        cdef Py_ssize_t i = <Py_ssize_t>(<size_t>h & <size_t>self.mask)
        cdef int meta = _meta(word)
        cdef unsigned long long head = _head(word)
        cdef _Slot* slot
        while True:
            slot = &self.slots[i]
            if slot.id == 0:
                return 0
            if slot.hash == h and slot.meta == meta and slot.head == head:
                if (meta & ((1 << 28) - 1)) <= 8:
                    return slot.id
                key = self.words[slot.id]
                if key is word or key == word:
                    return slot.id
            i = (i + 1) & self.mask

    def get(self, object word):
        """The type id of ``word``, 0 if it has none."""
        if not PyUnicode_CheckExact(word):
            return 0
        PyUnicode_READY(word)
        return self.find(word, hash(word))


cdef enum:
    LOOKUP_AHEAD = 12  # tokens ahead whose slots the type look-up fetches


def padded_type_ids(TypeTable ids, TypeTable first_ids, object words, list sentences):
    """The tagger's type ids of ``words`` laid out sentence by sentence with two padding
    slots (0) around each (``Tagger._type_ids``), a sentence's first word looked up in
    ``first_ids``; None when a word has no type yet (the caller adds the new types) or is
    not a str."""
    cdef tuple seq = tuple(words)
    cdef Py_ssize_t n = len(seq)
    cdef Py_ssize_t total = 2, s, e, i, at = 2, found
    for span in sentences:
        s, e = span
        total += e - s + 2
    hashes_array = np.empty(n, dtype=np.int64)
    cdef long long[::1] hashes = hashes_array
    for i in range(n):
        word = seq[i]
        if not PyUnicode_CheckExact(word):
            return None
        PyUnicode_READY(word)
        hashes[i] = hash(word)
    out = np.zeros(total, dtype=np.intp)
    cdef Py_ssize_t[::1] o = out
    for span in sentences:
        s, e = span
        if not 0 <= s < e <= n:
            raise ValueError(f"a sentence ({s}, {e}) outside the words")
        found = first_ids.find(seq[s], hashes[s])
        if found == 0:
            return None
        o[at] = found
        at += 1
        for i in range(s + 1, e):
            if i + LOOKUP_AHEAD < n:
                ids.prefetch(hashes[i + LOOKUP_AHEAD])
            found = ids.find(seq[i], hashes[i])
            if found == 0:
                return None
            o[at] = found
            at += 1
        at += 2
    return out


cdef enum:
    PERSON, ORG, GPE, LOC, NORP  # the order of ``label_entities``'s ``labels``


cdef inline Py_ssize_t _doc_of(const Py_ssize_t* bounds, Py_ssize_t n_docs, Py_ssize_t token) noexcept nogil:
    """The document of a token: bisect_right(bounds, token) - 1 over the first tokens of the documents."""
    cdef Py_ssize_t lo = 0, hi = n_docs + 1, mid
    if n_docs == 1:
        return 0
    while lo < hi:
        mid = (lo + hi) // 2
        if token < bounds[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo - 1


def document_evidence(list out, object words, const Py_ssize_t[::1] types, list bounds,
                      const int16_t[::1] flags, const unsigned char[::1] first, bint propagate, tuple labels):
    """``EntityRecognizer._in_documents`` (rows are tokens): surnames, then names repeated in
    their document, for every document of ``bounds`` at once; the same entities (in another
    order: the caller sorts them). Words are told apart by their engine type ids (``types``, one
    per token: equal words, equal ids), so names are compared and kept as numbers. ``flags``: the
    recogniser's flags of each token (64: capitalised, 128: a capitalised title); ``first``:
    sentence starts; ``labels``: PERSON, ORG, GPE, LOC, NORP (``label_entities``'s numbers)."""
    cdef Py_ssize_t n = len(words), n_docs = len(bounds) - 1, m = len(out)
    if types.shape[0] != n or flags.shape[0] != n or first.shape[0] != n:
        raise ValueError("a type id, flags and a sentence start for every token")
    bounds_array = np.asarray(bounds, dtype=np.intp)
    cdef const Py_ssize_t[::1] bv = bounds_array
    cdef const Py_ssize_t* bp = &bv[0]
    cdef Py_ssize_t a, b, i, j, k, x, doc, hi, length, t, most = 0, label, start
    cdef long long key
    cdef bint clash, person = False, mixed = False
    cdef Py_ssize_t n_votes = 0, m0 = m
    cdef Py_ssize_t[::1] vote_of, best
    cdef Py_ssize_t[:, ::1] where, counts
    # The entities: spans, labels, and whether the label changed (else the caller's tuple is kept).
    cap = m + n + 1
    spans_array = np.zeros((cap, 3), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] e = spans_array
    changed_array = np.zeros(cap, dtype=np.uint8)
    cdef unsigned char[::1] changed = changed_array
    for x in range(m):
        entity = out[x]
        a = entity[0]
        b = entity[1]
        if not 0 <= a < b <= n:
            raise ValueError(f"an entity ({a}, {b}) outside the tokens")
        label = labels.index(entity[2])
        e[x, 0], e[x, 1], e[x, 2] = a, b, label
        person = person or label == PERSON
    for i in range(n):
        if types[i] > most:
            most = types[i]
    mark_array = np.zeros(most + 1, dtype=np.uint8)  # by type id: a surname, the first word of a name
    cdef unsigned char[::1] mark = mark_array
    covered_array = np.zeros(n + 1, dtype=np.uint8)
    cdef unsigned char[::1] covered = covered_array
    if person:
        surnames = set()  # document << 32 | the type of the surname
        for x in range(m):
            if e[x, 2] != PERSON:
                continue
            a, b = e[x, 0], e[x, 1]
            doc = _doc_of(bp, n_docs, a)
            if b - a > 1 or (a > bp[doc] and flags[a - 1] & 128):
                t = b - 1
                if flags[t] & 64 and len(words[t]) > 1:
                    surnames.add((<long long>doc << 32) | types[t])
                    mark[types[t]] = 1
        if surnames:
            for x in range(m):
                a, b, label = e[x, 0], e[x, 1], e[x, 2]
                if (b - a == 1 and (label == ORG or label == GPE or label == LOC) and mark[types[a]]
                        and ((<long long>_doc_of(bp, n_docs, a) << 32) | types[a]) in surnames):
                    e[x, 2] = PERSON
                    changed[x] = 1
                for k in range(a, b):
                    covered[k] = 1
            for i in range(n):
                if flags[i] & 64 and not covered[i] and mark[types[i]]:
                    if ((<long long>_doc_of(bp, n_docs, i) << 32) | types[i]) in surnames:
                        e[m, 0], e[m, 1], e[m, 2] = i, i + 1, PERSON
                        changed[m] = 1
                        m += 1
            covered[:] = 0
            mark[:] = 0
    if propagate:
        # Votes: a name (its document and types) -> its number; per number, where it first
        # stands and how many times it got each label.
        votes = {}
        vote_of = np.full(cap, -1, dtype=np.intp)
        where = np.zeros((m + 1, 2), dtype=np.intp)
        counts = np.zeros((m + 1, 4), dtype=np.intp)
        for x in range(m):
            a, b, label = e[x, 0], e[x, 1], e[x, 2]
            if label == NORP or not flags[a] & 64 or len(words[a]) <= 1:
                continue
            doc = _doc_of(bp, n_docs, a)
            if b - a == 1:
                name = (<long long>doc << 32) | types[a]
            else:
                name = (doc,) + tuple([types[k] for k in range(a, b)])
            found = votes.get(name)
            if found is None:
                j = n_votes
                votes[name] = j
                where[j, 0], where[j, 1] = a, b - a
                n_votes += 1
            else:
                j = found
            if counts[j, label] == 0:
                for k in range(4):
                    if k != label and counts[j, k]:
                        mixed = True
            counts[j, label] += 1
            vote_of[x] = j
        if n_votes:
            # Each name's label: the most votes; on a tie PERSON, then the greatest label (ORG, LOC, GPE).
            best = np.zeros(n_votes, dtype=np.intp)
            for j in range(n_votes):
                label = -1
                for k in (PERSON, ORG, LOC, GPE):
                    if counts[j, k] and (label < 0 or counts[j, k] > counts[j, label]):
                        label = k
                best[j] = label
            if mixed:
                for x in range(m):
                    j = vote_of[x]
                    if j >= 0 and e[x, 2] != best[j]:
                        e[x, 2] = best[j]
                        changed[x] = 1
            for x in range(m):
                for k in range(e[x, 0], e[x, 1]):
                    covered[k] = 1
            by_first = {}  # document << 32 | the type of the first word -> the names, in their order
            for j in range(n_votes):
                a = where[j, 0]
                key = (<long long>_doc_of(bp, n_docs, a) << 32) | types[a]
                found = by_first.get(key)
                if found is None:
                    by_first[key] = [j]
                else:
                    found.append(j)
                mark[types[a]] = 1
            for a in range(n):
                if not flags[a] & 64 or covered[a] or not mark[types[a]]:
                    continue
                doc = _doc_of(bp, n_docs, a)
                found = by_first.get((<long long>doc << 32) | types[a])
                if found is None:
                    continue
                hi = bp[doc + 1]
                for j in found:
                    start, length = where[j, 0], where[j, 1]
                    if a + length > hi:
                        continue
                    clash = False
                    for k in range(length):
                        if covered[a + k] or (k and first[a + k]) or types[a + k] != types[start + k]:
                            clash = True
                            break
                    if clash:
                        continue
                    e[m, 0], e[m, 1], e[m, 2] = a, a + length, best[j]
                    changed[m] = 1
                    m += 1
                    for k in range(a, a + length):
                        covered[k] = 1
                    break
    result = []
    for x in range(m):
        if x < m0 and not changed[x]:
            result.append(out[x])
        else:
            result.append((e[x, 0], e[x, 1], labels[e[x, 2]]))
    return result


def sentence_spans(object sentences, Py_ssize_t n):
    """The non-empty sentences, after checking that they partition ``n`` words in order
    (``Tagger.tag_ids``: the same checks and errors)."""
    cdef Py_ssize_t expected = 0, s, e
    spans = []
    for span in sentences:
        s, e = span
        if s != expected or e < s:
            raise ValueError(f"sentence ({s}, {e}) breaks the partition of the words (expected start {expected})")
        expected = e
        if e > s:
            spans.append(span)  # the caller's pair itself: only read
    if expected != n:
        raise ValueError(f"sentences cover {expected} of {n} words")
    return spans


cdef extern from "Python.h":
    void PyObject_GC_UnTrack(void* op)
    bint PyObject_GC_IsTracked(object op)


cdef inline object _settled(tuple t):
    """``t``, untracked by the garbage collector when it holds only str and int objects (or
    tuples already untracked): what CPython does to such a tuple when a collection first
    meets it, done at once, so that the collections of a batch's lifetime never walk it."""
    for item in t:
        if not (type(item) is str or type(item) is int or (type(item) is tuple and not PyObject_GC_IsTracked(item))):
            return t
    if PyObject_GC_IsTracked(t):
        PyObject_GC_UnTrack(<void*>t)
    return t


def settled(tuple t):
    """``_settled`` for Python callers: the same tuple."""
    return _settled(t)


def split_columns(tuple upos, tuple xpos, list offsets, Py_ssize_t n):
    """Each document's (UPOS, XPOS) columns from a batch's (``layer.split_tags``)."""
    out = []
    cdef Py_ssize_t d, n_docs = len(offsets), lo, hi
    for d in range(n_docs):
        lo = offsets[d]
        hi = offsets[d + 1] if d + 1 < n_docs else n
        out.append((_settled(upos[lo:hi]), _settled(xpos[lo:hi])))
    return out


def glue(list documents):
    """Documents (words, sentences) laid end to end (``layer.layer_many``): all the words as one
    tuple, the non-empty sentences shifted to where their document begins, those beginnings."""
    words = []
    sentences = []
    offsets = []
    cdef Py_ssize_t offset = 0, s, e
    for document in documents:
        w, spans = document
        offsets.append(offset)
        words.extend(w)
        for span in spans:
            s, e = span
            if e > s:
                sentences.append((s + offset, e + offset))
        offset = len(words)
    return _settled(tuple(words)), sentences, offsets


def split_entities(list found, list offsets, Py_ssize_t n):
    """Each document's entities from a batch's (sorted by start; ``offsets``: where each document
    begins, ``n``: the batch's length), in the document's own token indices (``Glued.entities``)."""
    out = []
    cdef Py_ssize_t i = 0, m = len(found), d, n_docs = len(offsets), lo, hi, a
    for d in range(n_docs):
        lo = offsets[d]
        hi = offsets[d + 1] if d + 1 < n_docs else n
        while i < m and <Py_ssize_t>found[i][0] < lo:
            i += 1
        part = []
        while i < m:
            entity = found[i]
            a = entity[0]
            if a >= hi:
                break
            part.append(_settled((a - lo, <Py_ssize_t>entity[1] - lo, entity[2])) if lo else _settled(entity))
            i += 1
        out.append(_settled(tuple(part)))
    return out


def split_phrases(const Py_ssize_t[::1] starts, const Py_ssize_t[::1] ends, const Py_ssize_t[::1] heads,
                  list offsets, Py_ssize_t n):
    """Each document's noun phrases (start, end, head) from a batch's arrays (in text order),
    in the document's own token indices (``Glued._split_phrases``)."""
    out = []
    cdef Py_ssize_t i = 0, m = starts.shape[0], d, n_docs = len(offsets), lo, hi
    for d in range(n_docs):
        lo = offsets[d]
        hi = offsets[d + 1] if d + 1 < n_docs else n
        while i < m and starts[i] < lo:
            i += 1
        part = []
        while i < m and starts[i] < hi:
            part.append(_settled((starts[i] - lo, ends[i] - lo, heads[i] - lo)))
            i += 1
        out.append(_settled(tuple(part)))
    return out


cdef class _Spans:
    """Entities being labelled: spans and labels by number, the entity over each token (-1: none)."""
    cdef Py_ssize_t[::1] start, end, label, owner
    cdef Py_ssize_t count

    def __init__(self, Py_ssize_t capacity, Py_ssize_t n):
        self.start = np.zeros(capacity, dtype=np.intp)
        self.end = np.zeros(capacity, dtype=np.intp)
        self.label = np.zeros(capacity, dtype=np.intp)
        self.owner = np.full(n, -1, dtype=np.intp)
        self.count = 0

    cdef void add(self, Py_ssize_t a, Py_ssize_t b, Py_ssize_t label) noexcept:
        cdef Py_ssize_t k, x = self.count
        self.start[x], self.end[x], self.label[x] = a, b, label
        for k in range(a, b):
            self.owner[k] = x
        self.count += 1

    cdef void drop_over(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        """Drop every entity that has a token in a..b (all of its tokens become free)."""
        cdef Py_ssize_t k, j, x
        for k in range(a, b):
            x = self.owner[k]
            if x >= 0:
                for j in range(self.start[x], self.end[x]):
                    self.owner[j] = -1


def label_entities(const Py_ssize_t[:, ::1] candidates, object kinds, object words, const int16_t[::1] flags, const Py_ssize_t[::1] tags,
                   const unsigned char[::1] first, const unsigned char[::1] proper_tags,
                   const unsigned char[::1] name_tags, object connectors, object is_gpe, tuple labels):
    """The entities of the classified candidates and of the kind, title, nationality and lower-case
    place words (``EntityRecognizer._finish``, ``_named_by_kind_word``, ``_titled_persons``), rows
    being tokens: (start, end, label) in text order. ``kinds``: the span classifier's kind of each
    candidate (0: dropped), None to keep theirs. ``flags``, ``tags``, ``first``: each token's;
    ``proper_tags``, ``name_tags``: by tag id; ``labels``: PERSON, ORG, GPE, LOC, NORP."""
    cdef Py_ssize_t n = flags.shape[0], m = candidates.shape[0], a, b, i, k, left, right, kind, flag, label, x, last
    if tags.shape[0] != n or first.shape[0] != n:
        raise ValueError("flags, tags and sentence starts for every token")
    spans = _Spans(m + 2 * n + 1, n)
    cdef _Spans e = spans
    if kinds is not None and len(kinds) != m:
        raise ValueError("a kind for every candidate")
    if m and candidates.shape[1] != 5:
        raise ValueError("candidates are rows of five: start, end, kind, row, flags")
    for i in range(m):
        a = candidates[i, 0]
        b = candidates[i, 1]
        kind = candidates[i, 2] if kinds is None else kinds[i]
        flag = candidates[i, 4]
        if not 0 <= a < b <= n:
            raise ValueError(f"a candidate span ({a}, {b}) outside the tokens")
        for k in range(a, b):
            if e.owner[k] >= 0:
                raise ValueError("overlapping candidates")
        if not kind:
            continue
        if b - a == 1 and flag & 1 and not flag & 256:
            label = NORP
        elif kind == 1:
            label = PERSON
        elif kind == 3:
            if b - a == 1:
                label = GPE if flag & 516 else LOC  # 4 | 512: a GPE name in any case
            else:
                label = GPE if is_gpe(words[a:b]) else LOC
        else:
            label = ORG
        e.add(a, b, label)
    # Names built on an organisation or place word: found first, then they replace what they overlap.
    found_array = np.zeros((n + 1, 3), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] found = found_array
    cdef Py_ssize_t n_found = 0
    name_array = np.zeros(n + 1, dtype=np.uint8)
    cdef unsigned char[::1] name = name_array
    for k in range(n):
        name[k] = (flags[k] & 64) != 0 and name_tags[tags[k]] and not flags[k] & 8
    last = -1
    for k in range(n):
        if not flags[k] & 48 or not name[k] or (n_found and k < last):
            continue
        left = k
        while left > 0 and not first[left] and name[left - 1]:
            left -= 1
        right = k + 1
        while right < n and not first[right]:
            if name[right]:
                right += 1
            elif right + 1 < n and not first[right + 1] and name[right + 1] and words[right].lower() in connectors:
                right += 2
            else:
                break
        if right - left >= 2:
            found[n_found, 0], found[n_found, 1], found[n_found, 2] = left, right, ORG if flags[k] & 16 else LOC
            n_found += 1
            last = right
    for x in range(n_found):
        e.drop_over(found[x, 0], found[x, 1])
    for x in range(n_found):
        e.add(found[x, 0], found[x, 1], found[x, 2])
    # The proper nouns after a title are a person, unless an organisation or a person, or a
    # span that starts before them, holds their first word.
    for k in range(n - 1):
        if not flags[k] & 128:
            continue
        a = k + 1
        if first[a] or flags[a] & 128 or not proper_tags[tags[a]] or not flags[a] & 64:
            continue
        b = a + 1
        while b < n and not first[b] and proper_tags[tags[b]] and flags[b] & 64 and not flags[b] & 136:
            b += 1
        x = e.owner[a]
        if x >= 0 and (e.label[x] == ORG or e.label[x] == PERSON or e.start[x] < a):
            continue
        e.drop_over(a, b)
        e.add(a, b, PERSON)
    # Nationality and group words, then lower-case countries tagged as proper nouns, where free.
    for k in range(n):
        if flags[k] & 1 and e.owner[k] < 0:
            e.add(k, k + 1, GPE if flags[k] & 256 else NORP)
    for k in range(n):
        if flags[k] & 512 and proper_tags[tags[k]] and e.owner[k] < 0:
            e.add(k, k + 1, GPE)
    out = []
    k = 0
    while k < n:
        x = e.owner[k]
        if x >= 0 and e.start[x] == k:
            out.append((k, e.end[x], labels[e.label[x]]))
            k = e.end[x]
        else:
            k += 1
    return out


def covered_tokens(object sentences):
    """How many tokens the sentences (start, end) hold together (``Scored``)."""
    cdef Py_ssize_t total = 0, s, e
    for span in sentences:
        s, e = span
        total += e - s
    return total


def phrase_spans(const float[:, ::1] scores, Py_ssize_t column, const Py_ssize_t[::1] tags,
                 const unsigned char[::1] nominal):
    """The chunker's phrases (``chunker.phrase_arrays``, rows being tokens): each row's label the
    arg-max of its O, B, I scores (columns ``column``.. + 3; the first on ties), a phrase starting
    at B or at an I after O and ending where no I follows, its head the last row of a nominal tag
    (``nominal``, by tag id) in it, else its last. Starts, ends (exclusive) and heads."""
    cdef Py_ssize_t n = scores.shape[0], r, count = 0, label, previous = 0, following, start = 0, last_nominal = -1
    cdef float o, b, i
    if tags.shape[0] != n or column < 0 or column + 3 > scores.shape[1]:
        raise ValueError("scores with the chunker's three columns and a tag for every row")
    labels_array = np.zeros(n + 1, dtype=np.int8)
    cdef signed char[::1] labels = labels_array
    for r in range(n):
        o, b, i = scores[r, column], scores[r, column + 1], scores[r, column + 2]
        labels[r] = 2 if i > (b if b > o else o) else (1 if b > o else 0)
    starts_array = np.empty(n, dtype=np.intp)
    ends_array = np.empty(n, dtype=np.intp)
    heads_array = np.empty(n, dtype=np.intp)
    cdef Py_ssize_t[::1] starts = starts_array, ends = ends_array, heads = heads_array
    for r in range(n):
        label = labels[r]
        if nominal[tags[r]]:
            last_nominal = r
        if label == 1 or (label == 2 and previous == 0):  # B, or an I after O (repaired)
            start = r
        previous = label
        if label == 0:
            continue
        following = labels[r + 1] if r + 1 < n else 0
        if following != 2:
            starts[count], ends[count] = start, r + 1
            heads[count] = last_nominal if last_nominal >= start else r
            count += 1
    return starts_array[:count], ends_array[:count], heads_array[:count]
