# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False, infer_types=True
"""The compiled matcher core: the Pike VM and the lookaround set simulations of
``matcher.py``, in C, over the same ``Program``s.

Python prepares, per document, what the programs test: the value ids of each field's
tokens, each predicate's positions as a bitset when it is needed whole (``corevm.row``,
asked lazily, as the Python core asks for ``truth``: built from the value ids by
``plan_row``, every test's answer remembered per distinct value), and the mentions as
arrays by start and by end. A predicate that is one test of one value (an equality, a
word list, a regex) is not made into a bitset for the automata: ``Runner.holds`` tests
it at the tokens they reach (an equality compares value ids; the others read the answer
remembered for the value): running a rule makes no bitset (no bytes object, no entry in
the document's table) for such predicates; its start positions are one pass of id
comparisons over the sentence. This module runs the automata over them and
returns matches and captures exactly as ``matcher.python_finditer`` /
``matcher.python_all_spans`` return them (``tests/test_corevm.py`` checks that).

Import it through ``corevm.py``, never directly: that module decides which core runs.

How a search runs (``Runner.pike``): first without captures, each thread carrying
only its start, which finds the match bounds (leftmost start, then Python ``re``'s
priority order); then, only for a program with groups, once more anchored at the
match's start and stopped at its end, with every capture slot and the capture
history. Both runs are Pike VMs: O(tokens x program size). ``Index.match_stage`` runs a
stage's candidate rules either so, one after the other (``run_rule``), or with the first
run of every rule in one thread list per sentence (``OnePass``, the default: see there).
"""

import gc

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.list cimport PyList_GET_ITEM
cimport cython
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport uint8_t, int8_t, uint32_t, uint64_t

# Opcodes: the same numbers as program.py (checked by corevm.py at import).
cdef enum:
    CONSUME = 0
    MENTION = 1
    SPLIT = 2
    JMP = 3
    SAVE_START = 4
    SAVE_END = 5
    BOL = 6
    EOL = 7
    LOOK = 8
    MATCH = 9
    RSPLIT = 10
    LOOP = 11
    NEXT = 12

# How Runner.holds tests a predicate (Tree.fast_kind, Runner.fst).
cdef enum:
    FAST_NONE = 0
    FAST_EQUAL = 1
    FAST_TABLE = 2
    FAST_ROW = 3
    FAST_WIDTH = 5

OPCODES = (CONSUME, MENTION, SPLIT, JMP, SAVE_START, SAVE_END, BOL, EOL, LOOK, MATCH, RSPLIT, LOOP, NEXT)

# Mention type names → small integers, for the whole process (programs and documents
# made at any time agree on them).
cdef dict _TYPE_IDS = {}


cdef extern from *:
    void __builtin_prefetch(const void* address) nogil
    int __builtin_ctzll(unsigned long long x) nogil


cdef int type_id(object name) except -1:
    found = _TYPE_IDS.get(name)
    if found is None:
        found = len(_TYPE_IDS)
        _TYPE_IDS[name] = found
    return <int>found


# ---------------------------------------------------------------------------
# Growable int arrays


cdef struct IntVec:
    int* d
    Py_ssize_t n
    Py_ssize_t cap


cdef int iv_reserve(IntVec* v, Py_ssize_t need) except -1:
    cdef Py_ssize_t cap
    cdef int* d
    if need <= v.cap:
        return 0
    cap = v.cap * 2 if v.cap else 64
    while cap < need:
        cap *= 2
    d = <int*>realloc(v.d, cap * sizeof(int))
    if d == NULL:
        raise MemoryError()
    v.d = d
    v.cap = cap
    return 0


cdef inline int iv_push(IntVec* v, int x) except -1:
    if v.n == v.cap:
        iv_reserve(v, v.n + 1)
    v.d[v.n] = x
    v.n += 1
    return 0


cdef inline void iv_free(IntVec* v) noexcept:
    free(v.d)
    v.d = NULL
    v.n = v.cap = 0


# ---------------------------------------------------------------------------
# Programs


cdef class Prog:
    """One program (a rule's, or a lookaround body's) as C arrays."""

    cdef int n  # instructions
    cdef int* op
    cdef int* a  # CONSUME: predicate (-1 any); MENTION: type id; LOOK: local look; jumps; groups
    cdef int* b
    cdef int* a2  # RSPLIT: the second target (a is the first)
    cdef int index  # in its Tree
    # Which of a Runner's scratch arrays (visit marks, stacks) it runs on: its index, but 0
    # for every rule of a stage's Tree. Runs of those never overlap (one rule's step, search
    # or sweep is over before another's begins) and so they share the arrays the per-rule
    # search would use, warm in the cache, instead of one set per rule of the stage.
    cdef int scratch
    cdef int pred_base  # its predicates are Tree.preds[pred_base : pred_base + n_preds]
    cdef int n_preds
    cdef int n_slots
    cdef int width_e  # 1 + the deepest nesting of repetitions with a nullable body
    cdef bint backward
    cdef bint has_first
    cdef int* first_preds
    cdef int n_first
    cdef int* first_types
    cdef int n_first_types
    cdef int* look_gi  # local lookaround k → its index in the Tree
    # Program.required: requirement r holds where one of req_preds[req_off[r] : req_off[r + 1]]
    # holds or a mention of one of req_types[req_toff[r] : req_toff[r + 1]] begins
    cdef int n_req
    cdef int* req_off
    cdef int* req_preds
    cdef int* req_toff
    cdef int* req_types
    # In a stage's Tree: the number of each sentence filter (the first units; each
    # requirement) among the Tree's distinct filters, -1 elsewhere. Rules share many
    # (a participant first, a verb of saying required): a document computes each once.
    cdef int first_filter
    cdef int* req_filter
    cdef int* block  # every array above, in one allocation (a rule touches few cache lines)

    def __dealloc__(self):
        free(self.block)


cdef class Tree:
    """A rule's program with every lookaround program under it, numbered."""

    cdef list progs  # Prog, by index; 0 is the rule's own
    cdef list preds  # every predicate of every program, Prog.pred_base first
    cdef list plans  # their Plans (None: ask row_of)
    cdef int n_preds
    cdef int n_filters  # distinct sentence filters of its Progs (Prog.first_filter, req_filter)
    cdef int n_looks
    cdef int* look_behind
    cdef int* look_negate
    cdef int* look_prog
    cdef int* look_probe  # -1: no probe program
    cdef readonly int n_groups
    # Per predicate, FAST_WIDTH ints: FAST_EQUAL / FAST_TABLE when its plan is one test of
    # one value (then the automata test it token by token: ``Runner.holds``), else
    # FAST_NONE (its bitset); then the test's negate, the wanted value's id in the Vocab
    # numbered the next int (0: not known), and the field's slot. fast_tests holds the ValueTests.
    cdef int* fast_kind
    cdef list fast_tests

    def __dealloc__(self):
        free(self.fast_kind)
        free(self.look_behind)
        free(self.look_negate)
        free(self.look_prog)
        free(self.look_probe)


cdef int* int_array(Py_ssize_t n) except NULL:
    cdef int* p = <int*>calloc(n if n > 0 else 1, sizeof(int))
    if p == NULL:
        raise MemoryError()
    return p


cdef Prog convert(Tree tree, object program, dict memo, list looks, bint as_probe=False, dict shared=None):
    """``program`` as a Prog of ``tree``; a lookaround's probe (``as_probe``) keeps as its first
    units ``Program.edge_first`` (``Runner.may_probe``), every other program ``Program.first``.

    With ``shared`` (predicate id → its index in the Tree), a predicate object several
    programs use is one predicate of the Tree (tested and resolved once per document): the
    Prog's predicate numbers are then the Tree's own (``pred_base`` 0)."""
    cdef Prog p = Prog()
    cdef int i, k, n
    cdef int n_first, n_first_types, n_req_preds, n_req_types
    cdef int depth = 0
    code = program.code
    n = len(code)
    p.n = n
    if as_probe:
        first, first_mentions = program.edge_first if program.edge_first is not None else (None, ())
    else:
        first, first_mentions = program.first, program.first_mentions
    required = program.required
    n_first = 0 if first is None else len(first)
    n_first_types = 0 if first is None else len(first_mentions)
    n_req_preds = sum(len(r[0]) for r in required)
    n_req_types = sum(len(r[1]) for r in required)
    p.block = int_array(4 * n + n_first + n_first_types + 2 * (len(required) + 1) + n_req_preds + n_req_types
                        + len(program.looks) + len(required))
    p.op = p.block
    p.a = p.op + n
    p.b = p.a + n
    p.a2 = p.b + n
    p.first_preds = p.a2 + n
    p.first_types = p.first_preds + n_first
    p.req_off = p.first_types + n_first_types
    p.req_toff = p.req_off + len(required) + 1
    p.req_preds = p.req_toff + len(required) + 1
    p.req_types = p.req_preds + n_req_preds
    p.look_gi = p.req_types + n_req_types
    p.req_filter = p.look_gi + len(program.looks)
    p.first_filter = -1
    p.index = p.scratch = len(tree.progs)
    tree.progs.append(p)
    p.n_preds = len(program.predicates)
    if shared is None:
        p.pred_base = len(tree.preds)
        tree.preds.extend(program.predicates)
        local = None
    else:
        p.pred_base = 0
        local = []
        for predicate in program.predicates:
            found = shared.get(id(predicate))
            if found is None:
                found = shared[id(predicate)] = len(tree.preds)
                tree.preds.append(predicate)
            local.append(found)
    p.n_slots = 2 * (len(program.group_names) + 1)
    p.backward = bool(program.backward)
    for i in range(n):
        op, a, b = code[i]
        p.op[i] = op
        if op == CONSUME:
            p.a[i] = a if local is None or a < 0 else local[a]
        elif op == MENTION:
            p.a[i] = type_id(a)
        elif op == SPLIT or op == LOOP or op == NEXT:
            p.a[i] = a
            p.b[i] = b
        elif op == JMP or op == SAVE_START or op == SAVE_END or op == LOOK:
            p.a[i] = a
        elif op == RSPLIT:
            p.a[i] = a[0]
            p.a2[i] = a[1]
            p.b[i] = b
            if b > depth:
                depth = b
        elif op in (BOL, EOL, MATCH):
            pass
        else:
            raise ValueError(f"unknown opcode {op!r}")
    p.width_e = depth + 1
    p.has_first = first is not None
    if first is not None:
        p.n_first = len(first)
        for k in range(p.n_first):
            p.first_preds[k] = first[k] if local is None else local[first[k]]
        p.n_first_types = len(first_mentions)
        for k in range(p.n_first_types):
            p.first_types[k] = type_id(first_mentions[k])
    p.n_req = len(required)
    i = k = 0
    for r, (preds, types) in enumerate(required):
        p.req_off[r] = i
        p.req_toff[r] = k
        for pred in preds:
            p.req_preds[i] = pred if local is None else local[pred]
            i += 1
        for name in types:
            p.req_types[k] = type_id(name)
            k += 1
    p.req_off[p.n_req] = i
    p.req_toff[p.n_req] = k
    for k in range(p.n_req):
        p.req_filter[k] = -1
    for k, look in enumerate(program.looks):
        gi = memo.get(id(look))
        if gi is None:
            gi = len(looks)
            looks.append(None)
            memo[id(look)] = gi
            body = convert(tree, look.program, memo, looks, False, shared)
            probe = -1 if look.probe is None else convert(tree, look.probe, memo, looks, True, shared).index
            looks[gi] = (bool(look.behind), bool(look.negate), body.index, probe)
        p.look_gi[k] = gi
    return p


cdef int number_filters(Prog p, dict filters) except -1:
    """Give p's sentence filters their numbers among ``filters`` (key → number): two
    filters with the same predicates and mention types, in the same order (rules that
    share a variable), choose the same sentences."""
    cdef int r
    cdef Py_ssize_t a, b, c, d
    if p.has_first:
        key = ((<char*>p.first_preds)[:p.n_first * sizeof(int)],
               (<char*>p.first_types)[:p.n_first_types * sizeof(int)])
        p.first_filter = filters.setdefault(key, len(filters))
    for r in range(p.n_req):
        a, b = p.req_off[r] * sizeof(int), p.req_off[r + 1] * sizeof(int)
        c, d = p.req_toff[r] * sizeof(int), p.req_toff[r + 1] * sizeof(int)
        key = ((<char*>p.req_preds)[a:b], (<char*>p.req_types)[c:d])
        p.req_filter[r] = filters.setdefault(key, len(filters))
    return 0


def build(program, plan_of):
    """The Tree of a ``Program``: its code and its lookaround programs, as C arrays;
    ``plan_of(predicate)`` gives each predicate's Plan (shared by every Tree) or None."""
    return build_many([program], plan_of)[0]


cdef tuple build_many(list programs, plan_of):
    """One Tree holding several programs (each with its lookaround programs), and the
    Prog of each program in it: a stage's rules for the one-pass search. A lookaround
    object shared by several programs becomes one lookaround of the Tree (its answers
    are shared too)."""
    cdef Tree tree = Tree()
    cdef int i
    tree.progs = []
    tree.preds = []
    tree.n_groups = len(programs[0].group_names) if len(programs) == 1 else 0
    looks = []
    memo = {}
    shared = None if len(programs) == 1 else {}
    tops = [convert(tree, program, memo, looks, False, shared) for program in programs]
    if shared is not None:
        filters = {}
        for top in tops:
            (<Prog>top).scratch = 0  # (index 0 is the first rule's: no lookaround program has it)
            number_filters(<Prog>top, filters)
        tree.n_filters = len(filters)
    tree.n_preds = len(tree.preds)
    tree.plans = [plan_of(p) for p in tree.preds]
    set_fast_tests(tree)
    tree.n_looks = len(looks)
    tree.look_behind = int_array(tree.n_looks)
    tree.look_negate = int_array(tree.n_looks)
    tree.look_prog = int_array(tree.n_looks)
    tree.look_probe = int_array(tree.n_looks)
    for i, (behind, negate, body, probe) in enumerate(looks):
        tree.look_behind[i] = behind
        tree.look_negate[i] = negate
        tree.look_prog[i] = body
        tree.look_probe[i] = probe
    return tree, tops


# ---------------------------------------------------------------------------
# Documents


cdef class RowTable:
    """One Tree's predicate bitsets in one document, fetched as the automata ask."""

    cdef const uint8_t** rows
    cdef dict keep

    def __dealloc__(self):
        free(self.rows)


cdef class Doc:
    """What the automata read of one document: mentions by start and end, and bitsets."""

    cdef int n
    cdef int* ms_off  # mentions starting at p: ms_*[ms_off[p] : ms_off[p + 1]], longest first
    cdef int* ms_end
    cdef int* ms_type
    cdef int* ms_pos  # the positions where a mention starts, ascending (mark_mention_starts)
    cdef int n_ms_pos
    cdef int* me_off  # mentions ending at p: me_*[me_off[p] : me_off[p + 1]]
    cdef int* me_start
    cdef int* me_type
    cdef int isa_words
    cdef int isa_bits
    cdef int isa_local  # local mention types
    cdef uint64_t* isa  # per local mention type: the type ids it is (itself and its ancestors)
    cdef dict rows  # Predicate → bitset bytes (shared by the contexts of one document)
    cdef dict field_ids  # field → (value ids, Vocab) (shared by the contexts of one document)
    cdef object column  # Document.column
    cdef dict tables  # Tree → RowTable

    def __dealloc__(self):
        free(self.ms_off)
        free(self.ms_end)
        free(self.ms_type)
        free(self.ms_pos)
        free(self.me_off)
        free(self.me_start)
        free(self.me_type)
        free(self.isa)


def make_doc(int n_tokens, by_start, by_end, ancestors, dict rows, dict field_ids, column):
    """A Doc from a DocumentContext's ``mentions_by_start`` / ``mentions_by_end`` lists
    (already in the matcher's order), its type → ancestors table, its caches of bitsets
    and value ids, and its Document's ``column``."""
    cdef Doc d = Doc()
    cdef int t, g
    d.n = n_tokens
    d.rows = rows
    d.field_ids = field_ids
    d.column = column
    d.tables = {}
    local = {}
    for table in (by_start, by_end):
        for found in table.values():
            for _other, name in found:
                if name not in local:
                    local[name] = len(local)
    for name in list(local):
        type_id(name)
        for parent in ancestors.get(name, ()):
            type_id(parent)
    d.isa_bits = len(_TYPE_IDS)
    d.isa_local = len(local)
    d.isa_words = (d.isa_bits >> 6) + 1
    d.isa = <uint64_t*>calloc(max(1, len(local)) * d.isa_words, sizeof(uint64_t))
    if d.isa == NULL:
        raise MemoryError()
    for name, t in local.items():
        for other in (name, *ancestors.get(name, ())):
            g = _TYPE_IDS[other]
            d.isa[t * d.isa_words + (g >> 6)] |= (<uint64_t>1) << (g & 63)
    csr(by_start, n_tokens, local, &d.ms_off, &d.ms_end, &d.ms_type)
    csr(by_end, n_tokens, local, &d.me_off, &d.me_start, &d.me_type)
    d.ms_pos = int_array(n_tokens)
    d.n_ms_pos = 0
    for t in range(n_tokens):
        if d.ms_off[t + 1] > d.ms_off[t]:
            d.ms_pos[d.n_ms_pos] = t
            d.n_ms_pos += 1
    return d


cdef int csr(table, int n_tokens, dict local, int** off_out, int** other_out, int** kind_out) except -1:
    """position → [(other end, type)] as arrays: off[p] : off[p + 1] index other[] and kind[]."""
    cdef int* off = int_array(n_tokens + 2)
    cdef int* other
    cdef int* kind
    cdef int p, j, count = 0
    off_out[0] = off
    for p, found in table.items():
        if not 0 <= p <= n_tokens:
            raise ValueError(f"a mention bound {p} outside the document")
        off[p + 1] = len(found)
        count += len(found)
    for p in range(n_tokens + 1):
        off[p + 1] += off[p]
    other = other_out[0] = int_array(count)
    kind = kind_out[0] = int_array(count)
    for p, found in table.items():
        j = off[p]
        for position, name in found:
            other[j] = position
            kind[j] = local[name]
            j += 1
    return 0


cdef inline bint doc_isa(Doc d, int local_type, int wanted) noexcept:
    if wanted >= d.isa_bits:
        return False
    return (d.isa[local_type * d.isa_words + (wanted >> 6)] >> (wanted & 63)) & 1


def bitset(positions, int n_tokens):
    """The bitset of a set of token positions (bit p of byte p >> 3)."""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, (n_tokens >> 3) + 1)
    cdef uint8_t* buf = <uint8_t*>PyBytes_AS_STRING(out)
    cdef Py_ssize_t p
    memset(buf, 0, (n_tokens >> 3) + 1)
    for p in positions:
        if 0 <= p < n_tokens:
            buf[p >> 3] |= <uint8_t>(1 << (p & 7))
    return out


# ---------------------------------------------------------------------------
# Thread lists of the Pike VM


cdef struct Threads:
    int n
    int cap
    int nslots
    int* pc
    int* wait  # 0, or the position where the mention the thread is inside ends
    int* hist
    int* slots  # nslots per thread


cdef int th_add(Threads* t, int pc, const int* slots, int hist, int wait) except -1:
    cdef int cap
    if t.n == t.cap:
        cap = t.cap * 2 if t.cap else 32
        t.pc = <int*>realloc(t.pc, cap * sizeof(int))
        t.wait = <int*>realloc(t.wait, cap * sizeof(int))
        t.hist = <int*>realloc(t.hist, cap * sizeof(int))
        t.slots = <int*>realloc(t.slots, cap * t.nslots * sizeof(int))
        if t.pc == NULL or t.wait == NULL or t.hist == NULL or t.slots == NULL:
            raise MemoryError()
        t.cap = cap
    t.pc[t.n] = pc
    t.wait[t.n] = wait
    t.hist[t.n] = hist
    memcpy(&t.slots[t.n * t.nslots], slots, t.nslots * sizeof(int))
    t.n += 1
    return 0


cdef void th_free(Threads* t) noexcept:
    free(t.pc)
    free(t.wait)
    free(t.hist)
    free(t.slots)
    memset(t, 0, sizeof(Threads))


# ---------------------------------------------------------------------------
# One run over one sentence of one document


cdef void* grow(void* old, int n_old, int n_new, size_t size) except NULL:
    """realloc to n_new items, the new ones zeroed."""
    cdef char* p = <char*>realloc(old, n_new * size)
    if p == NULL:
        raise MemoryError()
    memset(p + n_old * size, 0, (n_new - n_old) * size)
    return p


# Instructions the automata have visited (Pike closures and set simulations), for
# ``Index.profile``: a count of work that does not depend on the machine's load.
cdef unsigned long long STEPS = 0


cdef class Runner:
    """The automata of one Tree over one sentence of one document.

    Holds what one sentence's searches share: lookaround answers (probed per position
    until ``probes_before_sweep`` positions were asked, then swept for all), the start
    candidates and the scratch arrays. ``setup`` aims it at a Tree and a document,
    ``sentence`` at a sentence; its arrays only grow, so one Runner serves every rule
    of a document in turn. Made per call, so that threads never share one.
    """

    cdef Tree tree
    cdef Doc doc
    cdef object row_of  # predicate → its bitset in this document, for a predicate without a Plan
    cdef int lo, hi, span
    cdef RowTable table
    cdef int probes_before_sweep
    # per lookaround of the Tree (looks_cap of them): what this sentence asked of it
    # (state 0: nothing yet, 1: probed at n_probes positions, answers in probe; 2: swept,
    # answers in sweep); the buffers only grow and are reused from sentence to sentence
    cdef int looks_cap
    cdef uint8_t** sweep
    cdef int8_t** probe
    cdef int* n_probes
    cdef int* look_state
    cdef int* touched  # the lookarounds this sentence asked of (state not 0): forget resets only these
    cdef int n_touched
    cdef int* sweep_cap
    cdef int* probe_cap
    # per program of the Tree (progs_cap of them)
    cdef int progs_cap
    cdef uint32_t** vis
    cdef Py_ssize_t* vis_cap
    cdef uint32_t* stamp
    cdef IntVec* stacks
    cdef IntVec* nodes
    cdef IntVec* current
    # the rule program's start candidates: can_begin[p - lo], next_start[p - lo]
    cdef int starts_of  # the Prog (index) can_begin / next_start are of; -1: none
    cdef int starts_cap
    cdef uint8_t* can_begin
    cdef int* next_start
    # the Pike VM
    cdef Threads ta, tb
    cdef IntVec st_pc, st_hist, st_e, st_slots
    cdef int slots_cap
    cdef int* tmp
    cdef IntVec hist  # capture history nodes: (group, start, end, previous) four ints each
    cdef int* wkeys  # waiting (pc, end) pairs of one step: an open-addressing set
    cdef uint32_t* wstamp
    cdef int wcap, wcount
    cdef uint32_t wgen
    cdef int* res_slots
    cdef int res_hist
    # per predicate of the Tree (fcap of them), how holds() answers in this document:
    # fst 0 not known yet, FAST_EQUAL (value id fids[p] == farg, != fneg), FAST_TABLE
    # (the answer table ftab[k], slot farg, of test ftest[k]), FAST_ROW (the bitset)
    cdef int fcap
    cdef int8_t* fst
    cdef const int** fids
    cdef int* farg
    cdef uint8_t* fneg
    cdef list ftab
    cdef list ftest
    cdef int scap  # per field slot: the document's value ids (NULL: not asked yet) and their Vocab's serial
    cdef const int** slot_ids
    cdef int* slot_serial

    def __dealloc__(self):
        cdef int i
        free(self.fst)
        free(self.slot_ids)
        free(self.slot_serial)
        free(self.fids)
        free(self.farg)
        free(self.fneg)
        for i in range(self.looks_cap):
            free(self.sweep[i])
            free(self.probe[i])
        free(self.look_state)
        free(self.touched)
        free(self.sweep_cap)
        free(self.probe_cap)
        free(self.can_begin)
        free(self.next_start)
        for i in range(self.progs_cap):
            free(self.vis[i])
            iv_free(&self.stacks[i])
            iv_free(&self.nodes[i])
            iv_free(&self.current[i])
        free(self.sweep)
        free(self.probe)
        free(self.n_probes)
        free(self.vis)
        free(self.vis_cap)
        free(self.stamp)
        free(self.stacks)
        free(self.nodes)
        free(self.current)
        th_free(&self.ta)
        th_free(&self.tb)
        iv_free(&self.st_pc)
        iv_free(&self.st_hist)
        iv_free(&self.st_e)
        iv_free(&self.st_slots)
        free(self.tmp)
        iv_free(&self.hist)
        free(self.wkeys)
        free(self.wstamp)
        free(self.res_slots)

    cdef void forget(self) noexcept:
        """Drop what is known of the current sentence (lookaround answers, start candidates)."""
        cdef int j, gi
        for j in range(self.n_touched):
            gi = self.touched[j]
            self.look_state[gi] = 0
            self.n_probes[gi] = 0
        self.n_touched = 0
        self.starts_of = -1

    cdef int setup(self, Tree tree, Doc doc, object row_of, int probes) except -1:
        """Aim at one Tree in one document (then ``sentence`` aims at each sentence)."""
        cdef int np = len(tree.progs)
        cdef int nl = tree.n_looks
        cdef int i, cap
        cdef Py_ssize_t need
        cdef Prog p
        cdef Prog top = <Prog>PyList_GET_ITEM(tree.progs, 0)
        self.forget()
        self.tree = tree
        if doc is not self.doc and self.scap:
            memset(self.slot_ids, 0, self.scap * sizeof(int*))
        self.doc = doc
        self.row_of = row_of
        self.probes_before_sweep = probes
        self.table = doc.tables.get(tree)  # None until a bitset is fetched (fetch makes it)
        if tree.n_preds > self.fcap:
            cap = max(tree.n_preds, 2 * self.fcap)
            self.fst = <int8_t*>grow(self.fst, self.fcap, cap, sizeof(int8_t))
            self.fids = <const int**>grow(self.fids, self.fcap, cap, sizeof(int*))
            self.farg = <int*>grow(self.farg, self.fcap, cap, sizeof(int))
            self.fneg = <uint8_t*>grow(self.fneg, self.fcap, cap, sizeof(uint8_t))
            self.ftab = [None] * cap
            self.ftest = [None] * cap
            self.fcap = cap
        if tree.n_preds:
            memset(self.fst, 0, tree.n_preds * sizeof(int8_t))
        if nl > self.looks_cap:
            cap = max(nl, 2 * self.looks_cap)
            self.sweep = <uint8_t**>grow(self.sweep, self.looks_cap, cap, sizeof(uint8_t*))
            self.probe = <int8_t**>grow(self.probe, self.looks_cap, cap, sizeof(int8_t*))
            self.n_probes = <int*>grow(self.n_probes, self.looks_cap, cap, sizeof(int))
            self.look_state = <int*>grow(self.look_state, self.looks_cap, cap, sizeof(int))
            self.touched = <int*>grow(self.touched, self.looks_cap, cap, sizeof(int))
            self.sweep_cap = <int*>grow(self.sweep_cap, self.looks_cap, cap, sizeof(int))
            self.probe_cap = <int*>grow(self.probe_cap, self.looks_cap, cap, sizeof(int))
            self.looks_cap = cap
        if np > self.progs_cap:
            cap = max(np, 2 * self.progs_cap)
            self.vis = <uint32_t**>grow(self.vis, self.progs_cap, cap, sizeof(uint32_t*))
            self.vis_cap = <Py_ssize_t*>grow(self.vis_cap, self.progs_cap, cap, sizeof(Py_ssize_t))
            self.stamp = <uint32_t*>grow(self.stamp, self.progs_cap, cap, sizeof(uint32_t))
            self.stacks = <IntVec*>grow(self.stacks, self.progs_cap, cap, sizeof(IntVec))
            self.nodes = <IntVec*>grow(self.nodes, self.progs_cap, cap, sizeof(IntVec))
            self.current = <IntVec*>grow(self.current, self.progs_cap, cap, sizeof(IntVec))
            self.progs_cap = cap
        # Each program's visit marks are sized by next_stamp, when it first runs: a stage's
        # Tree (the one-pass search) holds every rule of the stage, and few run in a document.
        if top.n_slots > self.slots_cap:
            free(self.tmp)
            free(self.res_slots)
            self.tmp = <int*>calloc(top.n_slots, sizeof(int))
            self.res_slots = <int*>calloc(top.n_slots, sizeof(int))
            if self.tmp == NULL or self.res_slots == NULL:
                self.slots_cap = 0
                raise MemoryError()
            self.slots_cap = top.n_slots
        return 0

    cdef int need_slots(self, int n_slots) except -1:
        """Scratch for capture runs of a program with n_slots slots (setup sizes it for the Tree's first)."""
        if n_slots > self.slots_cap:
            free(self.tmp)
            free(self.res_slots)
            self.tmp = <int*>calloc(n_slots, sizeof(int))
            self.res_slots = <int*>calloc(n_slots, sizeof(int))
            if self.tmp == NULL or self.res_slots == NULL:
                self.slots_cap = 0
                raise MemoryError()
            self.slots_cap = n_slots
        return 0

    cdef void release(self) noexcept:
        """Let go of the document and Tree (the arrays stay, for the next use)."""
        self.forget()
        self.tree = None
        self.doc = None
        self.row_of = None
        self.table = None

    cdef void sentence(self, int lo, int hi) noexcept:
        """Aim at the sentence [lo, hi): what was known of the last one is forgotten."""
        self.forget()
        self.lo = lo
        self.hi = hi
        self.span = hi - lo + 1

    # -- what the automata test ------------------------------------------------

    cdef const uint8_t* fetch(self, int k) except NULL:
        """The bitset of the Tree's predicate k in this document (computed once per document)."""
        cdef RowTable table = self.table
        if table is None:
            table = RowTable()
            table.rows = <const uint8_t**>calloc(max(1, self.tree.n_preds), sizeof(uint8_t*))
            if table.rows == NULL:
                raise MemoryError()
            table.keep = {}  # (not a list per predicate: a stage's Tree has thousands, a document fetches few)
            self.doc.tables[self.tree] = table
            self.table = table
        if table.rows[k] != NULL:
            return table.rows[k]
        found = doc_row(self.doc, self.tree.preds[k], self.tree.plans[k], self.row_of)
        table.keep[k] = found
        table.rows[k] = <const uint8_t*>PyBytes_AS_STRING(found)
        return table.rows[k]

    cdef inline int holds(self, Prog p, int k, int pos) except -1:
        return self.holds_at(p.pred_base + k, pos)

    cdef inline int holds_at(self, int idx, int pos) except -1:
        """Whether the Tree's predicate idx holds at token pos: a predicate that is one test of
        one value is tested here, token by token (no bitset over the document is made for it)."""
        cdef int st = self.fst[idx]
        cdef int i
        if st == 0:
            resolve_pred(self, idx)
            st = self.fst[idx]
        if st == FAST_EQUAL:
            i = self.fids[idx][pos]
            return i != 0 and ((i == self.farg[idx]) != self.fneg[idx])
        if st == FAST_ROW:
            return (self.table.rows[idx][pos >> 3] >> (pos & 7)) & 1
        return table_holds(self, idx, pos)

    cdef uint32_t next_stamp(self, Prog p) except 0:
        """A new visit mark for p's instructions (every run of p asks for one before it marks)."""
        cdef Py_ssize_t need = <Py_ssize_t>p.n * p.width_e
        if need > self.vis_cap[p.scratch]:
            # Stamps only grow, so what an array holds from other programs is never current.
            free(self.vis[p.scratch])
            self.vis[p.scratch] = <uint32_t*>calloc(need, sizeof(uint32_t))
            if self.vis[p.scratch] == NULL:
                self.vis_cap[p.scratch] = 0
                raise MemoryError()
            self.vis_cap[p.scratch] = need
        self.stamp[p.scratch] += 1
        if self.stamp[p.scratch] == 0xFFFFFFFF:
            memset(self.vis[p.scratch], 0, self.vis_cap[p.scratch] * sizeof(uint32_t))
            self.stamp[p.scratch] = 1
        return self.stamp[p.scratch]

    cdef int starts(self, Prog p) except -1:
        """can_begin / next_start of the rule program over this sentence."""
        cdef int pos, nxt, span
        cdef uint8_t* cb
        cdef int* ns
        if self.starts_of == p.index or not p.has_first:
            return 0
        if self.span > self.starts_cap:
            free(self.can_begin)
            free(self.next_start)
            self.starts_cap = 0
            self.can_begin = <uint8_t*>malloc(self.span)
            self.next_start = <int*>malloc(self.span * sizeof(int))
            if self.can_begin == NULL or self.next_start == NULL:
                raise MemoryError()
            self.starts_cap = self.span
        self.starts_of = p.index
        self.mark_starts(p, self.can_begin)
        cb = self.can_begin
        ns = self.next_start
        nxt = self.hi
        span = self.hi - self.lo
        ns[span] = nxt
        pos = span - 1
        while pos >= 0:
            if cb[pos]:
                nxt = pos + self.lo
            ns[pos] = nxt
            pos -= 1
        return 0

    cdef int mark_starts(self, Prog p, uint8_t* can_begin) except -1:
        """can_begin[pos - lo] = 1 at the tokens of the sentence where p (which has first
        units) can begin a match; can_begin[hi - lo] = 0."""
        cdef int pos, k, j, i, wanted
        cdef bint negate
        cdef const int* ids
        cdef uint8_t* cb
        cdef Doc d = self.doc
        memset(can_begin, 0, self.span)
        for k in range(p.n_first):
            j = p.pred_base + p.first_preds[k]
            if self.fst[j] == 0:
                resolve_pred(self, j)
            if self.fst[j] == FAST_EQUAL:  # the common case, as one tight loop
                ids = self.fids[j] + self.lo
                wanted = self.farg[j]
                negate = self.fneg[j]
                cb = can_begin
                for pos in range(self.hi - self.lo):
                    i = ids[pos]
                    cb[pos] |= i != 0 and (i == wanted) != negate
                continue
            for pos in range(self.lo, self.hi):
                if not can_begin[pos - self.lo] and self.holds_at(j, pos):
                    can_begin[pos - self.lo] = 1
        if p.n_first_types:
            for pos in range(self.lo, self.hi):
                if can_begin[pos - self.lo]:
                    continue
                for j in range(d.ms_off[pos], d.ms_off[pos + 1]):
                    for k in range(p.n_first_types):
                        if doc_isa(d, d.ms_type[j], p.first_types[k]):
                            can_begin[pos - self.lo] = 1
        return 0

    # -- lookaround ---------------------------------------------------------------

    cdef int look_holds(self, int gi, int pos) except -1:
        """Whether lookaround gi of the Tree holds at pos (as DocumentContext.look_holds)."""
        cdef Tree t = self.tree
        cdef int8_t answer
        cdef Prog body
        if self.look_state[gi] == 2:
            return self.sweep[gi][pos - self.lo] != t.look_negate[gi]
        if self.look_state[gi] == 0:
            if self.span > self.probe_cap[gi]:
                free(self.probe[gi])
                self.probe_cap[gi] = 0
                self.probe[gi] = <int8_t*>malloc(self.span)
                if self.probe[gi] == NULL:
                    raise MemoryError()
                self.probe_cap[gi] = self.span
            memset(self.probe[gi], -1, self.span)
            self.look_state[gi] = 1
            self.touched[self.n_touched] = gi
            self.n_touched += 1
        answer = self.probe[gi][pos - self.lo]
        if answer < 0:
            if t.look_probe[gi] >= 0 and not self.may_probe(<Prog>PyList_GET_ITEM(t.progs, t.look_probe[gi]), pos):
                # No first unit of the body here: no match, known at once, and not counted
                # towards the sweep (as DocumentContext.look_holds).
                return t.look_negate[gi]
            if t.look_probe[gi] < 0 or self.n_probes[gi] >= self.probes_before_sweep:
                # Asked about many positions of this sentence: answer them all in one sweep.
                if self.span > self.sweep_cap[gi]:
                    free(self.sweep[gi])
                    self.sweep_cap[gi] = 0
                    self.sweep[gi] = <uint8_t*>malloc(self.span)
                    if self.sweep[gi] == NULL:
                        raise MemoryError()
                    self.sweep_cap[gi] = self.span
                memset(self.sweep[gi], 0, self.span)
                body = <Prog>PyList_GET_ITEM(t.progs, t.look_prog[gi])
                self.accepting(body, -1, False, NULL, self.sweep[gi])
                self.look_state[gi] = 2
                return self.sweep[gi][pos - self.lo] != t.look_negate[gi]
            body = <Prog>PyList_GET_ITEM(t.progs, t.look_probe[gi])
            answer = 1 if self.accepting(body, pos, True, NULL, NULL) > 0 else 0
            self.probe[gi][pos - self.lo] = answer
            self.n_probes[gi] += 1
        return answer != t.look_negate[gi]

    cdef int may_probe(self, Prog p, int pos) except -1:
        """Whether probe p from pos can take a first unit (DocumentContext.probe_starts): at
        the sentence edge it runs towards, or where a first token or mention lies; always
        when its first units are not known."""
        cdef Doc d = self.doc
        cdef int k, j, token
        if not p.has_first:
            return 1
        if p.backward:
            if pos == self.lo:
                return 1
            token = pos - 1
        else:
            if pos == self.hi:
                return 1
            token = pos
        if self.lo <= token < self.hi:
            for k in range(p.n_first):
                if self.holds_at(p.pred_base + p.first_preds[k], token):
                    return 1
        if p.n_first_types:
            if p.backward:
                for j in range(d.me_off[pos], d.me_off[pos + 1]):
                    for k in range(p.n_first_types):
                        if doc_isa(d, d.me_type[j], p.first_types[k]):
                            return 1
            else:
                for j in range(d.ms_off[pos], d.ms_off[pos + 1]):
                    for k in range(p.n_first_types):
                        if doc_isa(d, d.ms_type[j], p.first_types[k]):
                            return 1
        return 0

    # -- set simulation (matcher._accepting) -------------------------------------

    cdef int accepting(self, Prog p, int single_start, bint first_only, IntVec* out, uint8_t* mask) except -1:
        """Positions where p reaches MATCH, by set simulation without captures.

        Forward programs start at single_start, or at every position when it is -1;
        backward programs at every position from the sentence end (or at single_start).
        Accepted positions go to mask[pos - lo] and/or out (in the order found);
        returns how many times MATCH was reached.
        """
        global STEPS
        cdef Doc d = self.doc
        cdef int lo = self.lo, hi = self.hi
        cdef int step = -1 if p.backward else 1
        cdef int pos, last, i, pc, op, a, other, token, j
        cdef int accepted = 0
        cdef int pending_count = 0
        cdef int* heads = NULL
        cdef IntVec pend  # pending entries: (pc, next) pairs
        cdef IntVec* stack = &self.stacks[p.scratch]
        cdef IntVec* nodes = &self.nodes[p.scratch]
        cdef IntVec* current = &self.current[p.scratch]
        cdef uint32_t stamp
        cdef uint32_t* vis
        pend.d = NULL
        pend.n = pend.cap = 0
        if p.backward:
            pos = hi if single_start < 0 else single_start
            last = lo
        else:
            pos = lo if single_start < 0 else single_start
            last = hi
        current.n = 0
        try:
            while (pos <= last) if step > 0 else (pos >= last):
                stamp = self.next_stamp(p)
                vis = self.vis[p.scratch]
                nodes.n = 0
                stack.n = 0
                for i in range(current.n):
                    iv_push(stack, current.d[i])
                if heads != NULL:
                    i = heads[pos - lo]
                    while i >= 0:
                        iv_push(stack, pend.d[i])
                        pending_count -= 1
                        i = pend.d[i + 1]
                    heads[pos - lo] = -1
                if single_start < 0 or pos == single_start:
                    iv_push(stack, 0)
                while stack.n:
                    stack.n -= 1
                    pc = stack.d[stack.n]
                    if vis[pc] == stamp:
                        continue
                    vis[pc] = stamp
                    STEPS += 1
                    op = p.op[pc]
                    a = p.a[pc]
                    if op == JMP or op == LOOP:
                        iv_push(stack, a)  # a LOOP's exit is reached through its RSPLIT as well
                    elif op == SPLIT:
                        iv_push(stack, a)
                        iv_push(stack, p.b[pc])
                    elif op == RSPLIT:
                        iv_push(stack, a)
                        iv_push(stack, p.a2[pc])
                    elif op == NEXT:
                        iv_push(stack, pc + 1)
                        iv_push(stack, p.b[pc])
                    elif op == SAVE_START or op == SAVE_END:
                        iv_push(stack, pc + 1)
                    elif op == BOL:
                        if pos == lo:
                            iv_push(stack, pc + 1)
                    elif op == EOL:
                        if pos == hi:
                            iv_push(stack, pc + 1)
                    elif op == LOOK:
                        if self.look_holds(p.look_gi[a], pos):
                            iv_push(stack, pc + 1)
                    elif op == MATCH:
                        accepted += 1
                        if mask != NULL:
                            mask[pos - lo] = 1
                        if out != NULL and (out.n == 0 or out.d[out.n - 1] != pos):
                            iv_push(out, pos)
                    else:
                        iv_push(nodes, pc)
                if first_only and accepted:
                    return accepted
                current.n = 0
                if nodes.n == 0:
                    if single_start >= 0 and pending_count == 0:
                        break
                    pos += step
                    continue
                for i in range(nodes.n):
                    pc = nodes.d[i]
                    op = p.op[pc]
                    a = p.a[pc]
                    if op == CONSUME:
                        token = pos - 1 if p.backward else pos
                        if lo <= token < hi and (a < 0 or self.holds(p, a, token)):
                            iv_push(current, pc + 1)
                    elif op == MENTION:
                        if p.backward:
                            for j in range(d.me_off[pos], d.me_off[pos + 1]):
                                other = d.me_start[j]
                                if lo <= other <= hi and doc_isa(d, d.me_type[j], a):
                                    if other == pos + step:
                                        iv_push(current, pc + 1)
                                    else:
                                        heads = self.pend_add(heads, &pend, other, pc + 1)
                                        pending_count += 1
                        else:
                            for j in range(d.ms_off[pos], d.ms_off[pos + 1]):
                                other = d.ms_end[j]
                                if lo <= other <= hi and doc_isa(d, d.ms_type[j], a):
                                    if other == pos + step:
                                        iv_push(current, pc + 1)
                                    else:
                                        heads = self.pend_add(heads, &pend, other, pc + 1)
                                        pending_count += 1
                pos += step
        finally:
            free(heads)
            iv_free(&pend)
        return accepted

    cdef int* pend_add(self, int* heads, IntVec* pend, int at, int pc) except NULL:
        cdef int i
        if heads == NULL:
            heads = <int*>malloc(self.span * sizeof(int))
            if heads == NULL:
                raise MemoryError()
            for i in range(self.span):
                heads[i] = -1
        i = <int>pend.n
        iv_push(pend, pc)
        iv_push(pend, heads[at - self.lo])
        heads[at - self.lo] = i
        return heads

    # -- the Pike VM (matcher.search) ---------------------------------------------

    cdef inline int push(self, int pc, int hist, int e, const int* slots, int nslots) except -1:
        cdef Py_ssize_t base = self.st_slots.n
        iv_push(&self.st_pc, pc)
        iv_push(&self.st_hist, hist)
        iv_push(&self.st_e, e)
        iv_reserve(&self.st_slots, base + nslots)
        memcpy(&self.st_slots.d[base], slots, nslots * sizeof(int))
        self.st_slots.n = base + nslots
        return 0

    cdef bint waiting_add(self, int pc, int end) except -1:
        """Add (pc, end) to this step's set of waiting threads; False if it was there."""
        cdef int key0 = pc, key1 = end
        cdef int i, j, cap
        cdef int* keys
        cdef uint32_t* st
        if self.wcount * 2 >= self.wcap:
            cap = self.wcap * 2 if self.wcap else 64
            keys = <int*>malloc(2 * cap * sizeof(int))
            st = <uint32_t*>calloc(cap, sizeof(uint32_t))
            if keys == NULL or st == NULL:
                free(keys)
                free(st)
                raise MemoryError()
            for i in range(self.wcap):
                if self.wstamp != NULL and self.wstamp[i] == self.wgen:
                    j = <int>((<unsigned int>self.wkeys[2 * i] * <unsigned int>2654435761 + <unsigned int>self.wkeys[2 * i + 1]) & (cap - 1))
                    while st[j] == self.wgen:
                        j = (j + 1) & (cap - 1)
                    st[j] = self.wgen
                    keys[2 * j] = self.wkeys[2 * i]
                    keys[2 * j + 1] = self.wkeys[2 * i + 1]
            free(self.wkeys)
            free(self.wstamp)
            self.wkeys = keys
            self.wstamp = st
            self.wcap = cap
        i = <int>((<unsigned int>key0 * <unsigned int>2654435761 + <unsigned int>key1) & (self.wcap - 1))
        while self.wstamp[i] == self.wgen:
            if self.wkeys[2 * i] == key0 and self.wkeys[2 * i + 1] == key1:
                return False
            i = (i + 1) & (self.wcap - 1)
        self.wstamp[i] = self.wgen
        self.wkeys[2 * i] = key0
        self.wkeys[2 * i + 1] = key1
        self.wcount += 1
        return True

    cdef void waiting_clear(self) noexcept:
        self.wgen += 1
        self.wcount = 0
        if self.wgen == 0xFFFFFFFF:
            if self.wstamp != NULL:
                memset(self.wstamp, 0, self.wcap * sizeof(uint32_t))
            self.wgen = 1

    cdef int closure(self, Prog p, Threads* out, int pc0, const int* slots0, int hist0, int pos, bint capture) except -1:
        """Follow every non-consuming instruction from pc0 at pos, in priority order (Pike VM).

        Besides pc, a thread within one position carries e (see matcher._closure_with_empty_loops);
        programs without RSPLIT keep e = 0. Threads reaching CONSUME, MENTION or MATCH go to out.
        """
        global STEPS
        if not capture:
            return self.closure_plain(p, out, pc0, slots0, hist0, pos)
        cdef int nslots = out.nslots
        cdef uint32_t* vis = self.vis[p.scratch]
        cdef uint32_t stamp = self.stamp[p.scratch]
        cdef int n = p.n
        cdef int pc, hist, e, op, a, key, k, depth, target, h
        cdef int* tmp = self.tmp
        self.st_pc.n = self.st_hist.n = self.st_e.n = self.st_slots.n = 0
        self.push(pc0, hist0, 0, slots0, nslots)
        while self.st_pc.n:
            self.st_pc.n -= 1
            self.st_hist.n -= 1
            self.st_e.n -= 1
            self.st_slots.n -= nslots
            pc = self.st_pc.d[self.st_pc.n]
            hist = self.st_hist.d[self.st_hist.n]
            e = self.st_e.d[self.st_e.n]
            op = p.op[pc]
            if op == CONSUME or op == MENTION or op == MATCH:
                key = pc
            else:
                key = pc + e * n
            if vis[key] == stamp:
                continue
            vis[key] = stamp
            STEPS += 1
            memcpy(tmp, &self.st_slots.d[self.st_slots.n], nslots * sizeof(int))
            a = p.a[pc]
            if op == JMP:
                self.push(a, hist, e, tmp, nslots)
            elif op == SPLIT:
                self.push(p.b[pc], hist, e, tmp, nslots)
                self.push(a, hist, e, tmp, nslots)
            elif op == RSPLIT:
                # Into the body (pc + 1): an iteration begins here. To the exit: this
                # repetition (depth b) is left, so its iteration no longer counts.
                depth = p.b[pc]
                target = p.a2[pc]
                if target == pc + 1:
                    self.push(target, hist, e if e else depth, tmp, nslots)
                else:
                    self.push(target, hist, 0 if e == depth else e, tmp, nslots)
                target = a
                if target == pc + 1:
                    self.push(target, hist, e if e else depth, tmp, nslots)
                else:
                    self.push(target, hist, 0 if e == depth else e, tmp, nslots)
            elif op == LOOP or op == NEXT:
                depth = p.b[a]
                if e and e <= depth:  # the iteration began at this position: it was empty
                    self.push(p.b[pc], hist, 0 if e == depth else e, tmp, nslots)
                else:
                    self.push(a if op == LOOP else pc + 1, hist, e, tmp, nslots)
            elif op == SAVE_START:  # (capture is true here: closure_plain takes the rest)
                tmp[2 * a] = pos
                self.push(pc + 1, hist, e, tmp, nslots)
            elif op == SAVE_END:
                k = 2 * a + 1
                h = <int>(self.hist.n // 4)
                iv_push(&self.hist, a)
                iv_push(&self.hist, tmp[k - 1])
                iv_push(&self.hist, pos)
                iv_push(&self.hist, hist)
                hist = h
                tmp[k] = pos
                self.push(pc + 1, hist, e, tmp, nslots)
            elif op == BOL:
                if pos == self.lo:
                    self.push(pc + 1, hist, e, tmp, nslots)
            elif op == EOL:
                if pos == self.hi:
                    self.push(pc + 1, hist, e, tmp, nslots)
            elif op == LOOK:
                if self.look_holds(p.look_gi[a], pos):
                    self.push(pc + 1, hist, e, tmp, nslots)
            else:
                th_add(out, pc, tmp, hist, 0)
        return 0

    cdef int closure_plain(self, Prog p, Threads* out, int pc0, const int* slots0, int hist0, int pos) except -1:
        """``closure`` without captures: no SAVE changes a slot or the history, so every thread
        carries slots0 and hist0, and the stack holds only pc and e (no copy of the slots per
        instruction). The same instructions in the same priority order as ``closure``: a change to
        one loop is a change to both. (One helper giving both loops their successors was tried and
        cost 0.9 % of a whole run in callgrind: the two loops stay apart, and the one-pass tests,
        which compare both against the Python matcher, keep them in step.)"""
        global STEPS
        cdef uint32_t* vis = self.vis[p.scratch]
        cdef uint32_t stamp = self.stamp[p.scratch]
        cdef int n = p.n
        cdef int pc, e, op, a, key, depth, target
        self.st_pc.n = self.st_e.n = 0
        iv_push(&self.st_pc, pc0)
        iv_push(&self.st_e, 0)
        while self.st_pc.n:
            self.st_pc.n -= 1
            self.st_e.n -= 1
            pc = self.st_pc.d[self.st_pc.n]
            e = self.st_e.d[self.st_e.n]
            op = p.op[pc]
            if op == CONSUME or op == MENTION or op == MATCH:
                key = pc
            else:
                key = pc + e * n
            if vis[key] == stamp:
                continue
            vis[key] = stamp
            STEPS += 1
            a = p.a[pc]
            if op == JMP:
                iv_push(&self.st_pc, a)
                iv_push(&self.st_e, e)
            elif op == SPLIT:
                iv_push(&self.st_pc, p.b[pc])
                iv_push(&self.st_e, e)
                iv_push(&self.st_pc, a)
                iv_push(&self.st_e, e)
            elif op == RSPLIT:
                depth = p.b[pc]
                target = p.a2[pc]
                iv_push(&self.st_pc, target)
                if target == pc + 1:
                    iv_push(&self.st_e, e if e else depth)
                else:
                    iv_push(&self.st_e, 0 if e == depth else e)
                target = a
                iv_push(&self.st_pc, target)
                if target == pc + 1:
                    iv_push(&self.st_e, e if e else depth)
                else:
                    iv_push(&self.st_e, 0 if e == depth else e)
            elif op == LOOP or op == NEXT:
                depth = p.b[a]
                if e and e <= depth:
                    iv_push(&self.st_pc, p.b[pc])
                    iv_push(&self.st_e, 0 if e == depth else e)
                else:
                    iv_push(&self.st_pc, a if op == LOOP else pc + 1)
                    iv_push(&self.st_e, e)
            elif op == SAVE_START or op == SAVE_END:
                iv_push(&self.st_pc, pc + 1)
                iv_push(&self.st_e, e)
            elif op == BOL:
                if pos == self.lo:
                    iv_push(&self.st_pc, pc + 1)
                    iv_push(&self.st_e, e)
            elif op == EOL:
                if pos == self.hi:
                    iv_push(&self.st_pc, pc + 1)
                    iv_push(&self.st_e, e)
            elif op == LOOK:
                if self.look_holds(p.look_gi[a], pos):
                    iv_push(&self.st_pc, pc + 1)
                    iv_push(&self.st_e, e)
            else:
                th_add(out, pc, slots0, hist0, 0)
        return 0

    @cython.final  # called directly (no virtual table), so the C compiler can inline it into both loops
    cdef inline int thread_step(self, Prog p, Threads* out, int pc, int wait, int* slots, int hist, int pos,
                                bint capture) except -1:
        """One thread of a Pike step at pos, into out (at pos + 1): a thread waiting for the end
        of a mention, a token test, a mention. Returns 1 when the thread stands at MATCH (what a
        match means is the caller's: ``pike`` and ``OnePass.step``), else 0."""
        cdef Doc d = self.doc
        cdef int hi = self.hi
        cdef int op, a, m, end
        if wait:
            if wait == pos + 1:
                self.closure(p, out, pc, slots, hist, pos + 1, capture)
            elif self.waiting_add(pc, wait):
                th_add(out, pc, slots, hist, wait)
            return 0
        op = p.op[pc]
        a = p.a[pc]
        if op == CONSUME:
            if pos < hi and (a < 0 or self.holds(p, a, pos)):
                self.closure(p, out, pc + 1, slots, hist, pos + 1, capture)
        elif op == MENTION:
            for m in range(d.ms_off[pos], d.ms_off[pos + 1]):
                end = d.ms_end[m]
                if end <= hi and doc_isa(d, d.ms_type[m], a):
                    if end == pos + 1:
                        self.closure(p, out, pc + 1, slots, hist, pos + 1, capture)
                    elif self.waiting_add(pc + 1, end):
                        th_add(out, pc + 1, slots, hist, end)
        elif op == MATCH:
            return 1
        return 0

    cdef int pike(self, Prog p, int start, bint must_advance, bint capture, int anchor, int anchor_end,
                  int* found) except -1:
        """The leftmost, highest-priority match in [lo, hi) starting at or after start
        (found[0], found[1]; returns 1), or none (returns 0). With capture, it runs
        anchored: one thread at anchor, stopped at anchor_end, keeping res_slots and res_hist.
        """
        cdef int nslots = p.n_slots if capture else 1
        cdef int lo = self.lo, hi = self.hi
        cdef int pos, i, j, hist, c
        cdef int matched = 0
        cdef int* slots
        cdef Threads* clist
        cdef Threads* nlist
        cdef Threads* swap
        cdef bint anchored = anchor >= 0
        if self.ta.nslots != nslots:
            th_free(&self.ta)
            th_free(&self.tb)
            self.ta.nslots = self.tb.nslots = nslots
        clist = &self.ta
        nlist = &self.tb
        clist.n = nlist.n = 0
        self.hist.n = 0
        if anchored:
            pos = anchor
        else:
            pos = start
            if p.has_first:
                if pos >= hi:
                    return 0
                pos = self.next_start[pos - lo]
                if pos >= hi:
                    return 0  # no token can begin a match; first-set programs match no empty span
        self.next_stamp(p)
        for i in range(nslots):
            self.tmp[i] = -1
        self.tmp[0] = pos
        self.closure(p, clist, 0, self.tmp, -1, pos, capture)
        while True:
            nlist.n = 0
            self.next_stamp(p)
            self.waiting_clear()
            for i in range(clist.n):
                hist = clist.hist[i]
                slots = &clist.slots[i * nslots]
                if self.thread_step(p, nlist, clist.pc[i], clist.wait[i], slots, hist, pos, capture):
                    if must_advance and pos == start and slots[0] == start:
                        continue
                    matched = 1
                    found[0] = slots[0]
                    found[1] = pos
                    if capture:
                        memcpy(self.res_slots, slots, nslots * sizeof(int))
                        self.res_hist = hist
                    break  # lower-priority threads lose to this match
            if anchored and pos >= anchor_end:
                break
            if pos >= hi:
                break
            pos += 1
            if not matched:
                if anchored:
                    if nlist.n == 0:
                        break
                else:
                    if nlist.n == 0 and p.has_first:
                        # Nothing in flight: jump to the next token that can begin a match.
                        c = self.next_start[pos - lo]
                        if c >= hi:
                            break
                        if c != pos:
                            pos = c
                            self.next_stamp(p)
                    # A new thread starting here, with the lowest priority (leftmost wins).
                    if not p.has_first or self.can_begin[pos - lo]:
                        for j in range(nslots):
                            self.tmp[j] = -1
                        self.tmp[0] = pos
                        self.closure(p, nlist, 0, self.tmp, -1, pos, capture)
            elif nlist.n == 0:
                break
            swap = clist
            clist = nlist
            nlist = swap
        return matched

    cdef object match_tuple(self, Prog p, int s, int e):
        """(start, end, slots, history) of the last capture run, as RawMatch takes them."""
        cdef int g, h
        slots = [s, e]
        for g in range(2, p.n_slots):
            slots.append(self.res_slots[g])
        history = []
        h = self.res_hist
        while h >= 0:
            history.append((self.hist.d[4 * h], self.hist.d[4 * h + 1], self.hist.d[4 * h + 2]))
            h = self.hist.d[4 * h + 3]
        history.reverse()
        return (s, e, tuple(slots), tuple(history))

    cdef list finditer(self):
        return self.finditer_of(<Prog>PyList_GET_ITEM(self.tree.progs, 0))

    cdef list finditer_of(self, Prog p):
        cdef int pos = self.lo
        cdef bint must_advance = False
        cdef int found[2]
        cdef int s, e
        cdef list out = []
        self.starts(p)
        while pos <= self.hi:
            if not self.pike(p, pos, must_advance, False, -1, -1, found):
                break
            if p.n_slots > 2:
                s = found[0]
                e = found[1]
                if not self.pike(p, pos, must_advance, True, s, e, found) or found[0] != s or found[1] != e:
                    raise RuntimeError("compiled matcher: the capture run did not find the match again")
                out.append(self.match_tuple(p, s, e))
            else:
                out.append((found[0], found[1], (found[0], found[1]), ()))
            must_advance = found[1] == found[0]
            pos = found[1]
        return out

    cdef list all_spans(self):
        return self.all_spans_of(<Prog>PyList_GET_ITEM(self.tree.progs, 0))

    cdef list all_spans_of(self, Prog p):
        cdef int s, i
        cdef IntVec ends
        cdef list out = []
        ends.d = NULL
        ends.n = ends.cap = 0
        self.starts(p)
        try:
            for s in range(self.lo, self.hi):
                if p.has_first and not self.can_begin[s - self.lo]:
                    continue
                ends.n = 0
                self.accepting(p, s, False, &ends, NULL)
                for i in range(ends.n):
                    if ends.d[i] > s:
                        out.append((s, ends.d[i]))
        finally:
            iv_free(&ends)
        return out


def finditer(Tree tree, Doc doc, row_of, int lo, int hi, int probes_before_sweep):
    """Every match of the Tree's program in [lo, hi), as ``matcher.python_finditer`` finds
    them (empty ones included): a list of (start, end, slots, history) tuples."""
    cdef Runner r = Runner()
    r.setup(tree, doc, row_of, probes_before_sweep)
    r.sentence(lo, hi)
    return r.finditer()


def all_spans(Tree tree, Doc doc, row_of, int lo, int hi, int probes_before_sweep):
    """Every non-empty (start, end) where the whole program matches in [lo, hi), as
    ``matcher.python_all_spans`` lists them."""
    cdef Runner r = Runner()
    r.setup(tree, doc, row_of, probes_before_sweep)
    r.sentence(lo, hi)
    return r.all_spans()


# ---------------------------------------------------------------------------
# Every candidate rule of a stage over a document, in one call


cdef void mark_mention_starts(Doc d, const int* types, int n_types, uint8_t* bits) noexcept:
    """Set bit p where a mention of one of the types (or of a subtype) begins."""
    cdef int i, p, j, k
    for i in range(d.n_ms_pos):
        p = d.ms_pos[i]
        for j in range(d.ms_off[p], d.ms_off[p + 1]):
            for k in range(n_types):
                if doc_isa(d, d.ms_type[j], types[k]):
                    bits[p >> 3] |= <uint8_t>(1 << (p & 7))
                    break


cdef bint any_between(const uint8_t* bits, int lo, int hi) noexcept:
    """Whether a bit of [lo, hi) is set."""
    cdef int p = lo
    while p < hi:
        if (p & 7) == 0 and p + 8 <= hi:
            if bits[p >> 3] == 0:
                p += 8
                continue
        if (bits[p >> 3] >> (p & 7)) & 1:
            return True
        p += 1
    return False


cdef inline void or_bytes(uint8_t* dst, const uint8_t* src, int nbytes) noexcept:
    """dst |= src over nbytes bytes, eight at a time (memcpy: the rows need not be aligned)."""
    cdef int i = 0
    cdef uint64_t a, b
    while i + 8 <= nbytes:
        memcpy(&a, dst + i, 8)
        memcpy(&b, src + i, 8)
        a |= b
        memcpy(dst + i, &a, 8)
        i += 8
    while i < nbytes:
        dst[i] |= src[i]
        i += 1


cdef int or_rows(Runner r, Prog p, const int* preds, int n_preds, uint8_t* bits, int nbytes) except -1:
    """bits |= the positions of the predicates (a predicate tested token by token is, here too)."""
    cdef int k, idx, pos
    cdef int n = r.doc.n
    cdef const uint8_t* row
    for k in range(n_preds):
        idx = p.pred_base + preds[k]
        if r.fst[idx] == 0:
            resolve_pred(r, idx)
        if r.fst[idx] == FAST_TABLE:
            # The whole document: the bitset (ValueTest.bits), which the document keeps for every rule.
            r.fetch(idx)
            r.fst[idx] = FAST_ROW
        if r.fst[idx] == FAST_ROW:
            row = r.table.rows[idx]
            or_bytes(bits, row, nbytes)
        else:
            for pos in range(n):
                if not (bits[pos >> 3] >> (pos & 7)) & 1 and r.holds_at(idx, pos):
                    bits[pos >> 3] |= <uint8_t>(1 << (pos & 7))
    return 0


# ---------------------------------------------------------------------------
# Predicate bitsets from per-document value ids (predicates.value_plan)


cdef int _VOCAB_SERIAL = 0
cdef dict _FIELD_SLOTS = {}  # field → a small number (Tree.fast_kind, Runner.slot_ids)


cdef class Vocab:
    """One field's distinct values across documents: value → id (from 1; 0 is None)."""

    cdef dict ids
    cdef list values
    cdef int serial  # a number no other Vocab of the process has (from 1)

    def __init__(self):
        global _VOCAB_SERIAL
        self.ids = {}
        self.values = [None]
        _VOCAB_SERIAL += 1
        self.serial = _VOCAB_SERIAL

    def __len__(self):
        return len(self.values)


def intern_column(column, Vocab vocab):
    """The ids of a column's values (an int32 array as bytes; None → 0), adding new values."""
    cdef Py_ssize_t n = len(column)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, max(1, n) * sizeof(int))
    cdef int* ids = <int*>PyBytes_AS_STRING(out)
    cdef Py_ssize_t p
    cdef dict table = vocab.ids
    for p in range(n):
        v = column[p]
        if v is None:
            ids[p] = 0
            continue
        found = table.get(v)
        if found is None:
            found = len(vocab.values)
            table[v] = found
            vocab.values.append(v)
        ids[p] = <int>found
    return out


cdef class AnswerTable:
    """The answers of every TEST_CALL / TEST_MEMBER test on one field, for one Vocab: a
    row per value id, holding for test slot s a "known" bit (bit s of the row's first
    half) and a "yes" bit (bit s of its second half). One row holds a value's answers to
    every test, so a document's values stay in the cache from one test to the next.

    The matrix only ever grows (by whole copies); code holding a pointer into it reads
    it again after any call into Python, which may let another thread grow it.

    A word-list test (TEST_MEMBER over a set) is not asked value by value: the table keeps
    every such slot's words inverted (word → the slots whose list holds it), and a value
    met for the first time gets its answers to all of them at once (``fill_members``): one
    or two dict lookups instead of one set lookup, and a lower-casing, per list. A value
    meets a few hundred word lists in a document; this was most of the answers computed.
    """

    cdef Vocab vocab
    cdef int half  # bytes of each half of a row
    cdef int slots  # test slots given out
    cdef Py_ssize_t rows  # rows allocated
    cdef uint8_t* matrix
    cdef dict slot_of  # Question → its slot: tests that ask the same share the answers
    cdef uint8_t* member_mask  # half bytes: bit s set when slot s is answered by fill_members
    cdef dict exact_slots  # word → the member slots (fold off) whose set holds it
    cdef dict folded_slots  # word → the member slots (fold on) whose set holds it

    def __dealloc__(self):
        free(self.matrix)
        free(self.member_mask)

    cdef int slot_for(self, Question question, object members, bint fold) except -1:
        """The question's slot; members: the set of a TEST_MEMBER question (else None)."""
        found = self.slot_of.get(question)
        if found is None:
            found = self.slot_of[question] = self.slot()
            if type(members) is frozenset or type(members) is set:
                self.index_members(<int>found, members, fold)
        return <int>found

    cdef int index_members(self, int slot, object members, bint fold) except -1:
        cdef dict inverted = self.folded_slots if fold else self.exact_slots
        for word in members:
            found = inverted.get(word)
            if found is None:
                inverted[word] = [slot]
            else:
                (<list>found).append(slot)
        self.member_mask[slot >> 3] |= <uint8_t>(1 << (slot & 7))
        return 0

    cdef int fill_members(self, Py_ssize_t i, object value) except -1:
        """Value id i's answers to every member slot (``ValueTest.answer``, all at once)."""
        cdef int b, s
        cdef uint8_t* row
        exact = self.exact_slots.get(value) if self.exact_slots else None
        folded = None
        if self.folded_slots:
            folded = self.folded_slots.get(value.lower() if isinstance(value, str) else value)
        row = self.matrix + i * 2 * self.half  # read after the lookups: they may run Python
        for b in range(self.half >> 3):  # the halves are whole words (8 bytes, doubled)
            (<uint64_t*>row)[b] |= (<const uint64_t*>self.member_mask)[b]
        if exact is not None:
            for s in <list>exact:
                row[self.half + (s >> 3)] |= <uint8_t>(1 << (s & 7))
        if folded is not None:
            for s in <list>folded:
                row[self.half + (s >> 3)] |= <uint8_t>(1 << (s & 7))
        return 0

    cdef int slot(self) except -1:
        """A new test slot (widening every row when the rows are full)."""
        cdef int half
        cdef uint8_t* wider
        cdef uint8_t* mask
        cdef Py_ssize_t i
        if self.slots >= 8 * self.half:
            half = max(8, 2 * self.half)
            wider = <uint8_t*>calloc(max(1, self.rows) * 2 * half, 1)
            mask = <uint8_t*>calloc(half, 1)
            if wider == NULL or mask == NULL:
                free(wider)
                free(mask)
                raise MemoryError()
            memcpy(mask, self.member_mask, self.half)
            free(self.member_mask)
            self.member_mask = mask
            for i in range(self.rows):
                memcpy(wider + i * 2 * half, self.matrix + i * 2 * self.half, self.half)
                memcpy(wider + i * 2 * half + half, self.matrix + i * 2 * self.half + self.half, self.half)
            free(self.matrix)
            self.matrix = wider
            self.half = half
        self.slots += 1
        return self.slots - 1

    cdef int cover(self, Py_ssize_t n_values) except -1:
        """Rows for every value id below n_values."""
        cdef Py_ssize_t rows
        cdef uint8_t* grown
        if n_values <= self.rows:
            return 0
        rows = max(n_values, 2 * self.rows, 1024)
        grown = <uint8_t*>realloc(self.matrix, rows * 2 * self.half)
        if grown == NULL:
            raise MemoryError()
        memset(grown + self.rows * 2 * self.half, 0, (rows - self.rows) * 2 * self.half)
        self.matrix = grown
        self.rows = rows
        return 0


cdef dict _ANSWERS = {}  # field → its AnswerTable (for the field's current Vocab)


cdef AnswerTable answer_table(field, Vocab vocab):
    found = _ANSWERS.get(field)
    if found is None or (<AnswerTable>found).vocab is not vocab:
        found = AnswerTable()
        (<AnswerTable>found).vocab = vocab
        (<AnswerTable>found).half = 8
        (<AnswerTable>found).slot_of = {}
        (<AnswerTable>found).exact_slots = {}
        (<AnswerTable>found).folded_slots = {}
        (<AnswerTable>found).member_mask = <uint8_t*>calloc(8, 1)
        if (<AnswerTable>found).member_mask == NULL:
            raise MemoryError()
        _ANSWERS[field] = found
    return <AnswerTable>found


cdef enum:
    TEST_CALL = 0  # ("test", field, f)
    TEST_EQUAL = 1  # ("equal", field, wanted, negate)
    TEST_MEMBER = 2  # ("member", field, values, fold, negate)
    TEST_REGEX = 3  # a TEST_CALL whose function is a regex test (its ``regex_parts``), run without Python code


cdef class Question:
    """What a test asks of a value, negate left out, shared by every test that asks it;
    it keeps its bitset over the last document asked (``rows``: that document's ``Doc.rows``,
    the same for all its contexts, held so that no other dict can take its address)."""

    cdef object rows
    cdef bytes row


cdef dict _QUESTIONS = {}  # (kind, field, …) → its Question


cdef Question question_of(key):
    found = _QUESTIONS.get(key)
    if found is None:
        found = _QUESTIONS[key] = Question()
    return <Question>found


cdef class ValueTest:
    """One test of a plan. TEST_EQUAL compares value ids; TEST_CALL and TEST_MEMBER keep
    their answer per value in their field's AnswerTable, under the slot of their question.

    The answers and bitsets kept are those of the question asked without ``negate`` (its
    ``asked``): "lower in np_stop" and "!lower in np_stop", in any number of
    predicates, ask one question, answered once per value and once per document."""

    cdef int kind
    cdef object field
    cdef object fn  # TEST_CALL: the test; TEST_EQUAL: the value; TEST_MEMBER: the set; TEST_REGEX: fullmatch
    cdef bint fold
    cdef bint negate
    cdef Py_ssize_t max_len  # TEST_REGEX: longer values never match
    cdef Question asked  # what is asked of a value, negate left out (one object per question)
    cdef Question valued  # the tokens that have a value of the field (negated tests hold only there)
    cdef AnswerTable table  # the table the slot is in
    cdef int slot

    cdef bint answer(self, v) except -1:
        """The question's answer for value v (``negate`` not applied)."""
        if self.kind == TEST_REGEX:  # as predicates._compare_test's regex_test
            if not isinstance(v, str) or len(<str>v) > self.max_len:
                return False
            return self.fn(v) is not None
        if self.kind == TEST_CALL:
            return bool(self.fn(v))
        if self.fold and isinstance(v, str):
            v = v.lower()
        return v in self.fn

    cdef int learn(self, AnswerTable table, Py_ssize_t i, object value) except -1:
        """Remember in table the answer for value id i (all word lists at once for a word list)."""
        cdef int byte = self.slot >> 3
        cdef uint8_t bit = <uint8_t>(1 << (self.slot & 7))
        cdef uint8_t* row
        if table.member_mask[byte] & bit:
            return table.fill_members(i, value)
        yes = self.answer(value)
        row = table.matrix + i * 2 * table.half  # Python ran: the table may have grown meanwhile
        row[byte] |= bit
        if yes:
            row[table.half + byte] |= bit
        return 0

    cdef int raw_bits(self, FieldIds fi, uint8_t* out) except -1:
        """out |= the tokens whose value answers the question yes (a token without a value never):
        each distinct value of the document is asked once."""
        cdef int u, i, j, wanted, half, byte
        cdef uint8_t bit
        cdef uint8_t* row
        cdef AnswerTable table
        fi.distinct()
        if self.kind == TEST_EQUAL:
            found = fi.vocab.ids.get(self.fn)
            if found is None:
                return 0
            wanted = <int>found
            for u in range(fi.k):
                if fi.uniq[u] == wanted:
                    set_positions(fi, u, out)
                    break
            return 0
        table = answer_table(self.field, fi.vocab)
        if self.table is not table:
            self.slot = table.slot_for(self.asked, self.fn if self.kind == TEST_MEMBER else None, self.fold)
            self.table = table
        table.cover(len(fi.vocab.values))
        byte = self.slot >> 3
        bit = <uint8_t>(1 << (self.slot & 7))
        values = fi.vocab.values
        if table.member_mask[byte] & bit:  # a word list: its yes values, read once per document
            if fi.read_table is not table:
                fi.read_answers(table)
            if self.slot < fi.read_slots:
                for j in range(fi.yes_off[self.slot], fi.yes_off[self.slot + 1]):
                    set_positions(fi, fi.yes_u[j], out)
                return 0
        half = table.half
        for u in range(fi.k):
            i = fi.uniq[u]
            row = table.matrix + <Py_ssize_t>i * 2 * half
            if not row[byte] & bit:
                self.learn(table, i, values[i])
                half = table.half  # Python ran: the table may have grown meanwhile
                row = table.matrix + <Py_ssize_t>i * 2 * half
            if row[half + byte] & bit:
                set_positions(fi, u, out)
        return 0


cdef enum:
    STEP_TEST = 0
    STEP_NOT = 1
    STEP_AND = 2
    STEP_OR = 3


cdef class Plan:
    """A predicate's value plan, ready to run."""

    cdef int n_steps
    cdef int* kind
    cdef int* arg  # STEP_TEST: the test's index; AND / OR: how many operands
    cdef list tests
    cdef int depth

    def __dealloc__(self):
        free(self.kind)
        free(self.arg)


def make_plan(steps):
    """A Plan from ``predicates.value_plan`` steps."""
    cdef Plan plan = Plan()
    cdef int i, depth = 0
    plan.n_steps = len(steps)
    plan.kind = int_array(plan.n_steps)
    plan.arg = int_array(plan.n_steps)
    plan.tests = []
    for i, step in enumerate(steps):
        if step[0] in ("test", "equal", "member"):
            test = ValueTest()
            test.field = step[1]
            test.fn = step[2]
            if step[0] == "test":
                test.kind = TEST_CALL
                parts = getattr(step[2], "regex_parts", None)
                if parts is not None:
                    test.kind = TEST_REGEX
                    test.fn, test.negate, test.max_len = parts
            elif step[0] == "equal":
                test.kind = TEST_EQUAL
                test.negate = step[3]
            else:
                test.kind = TEST_MEMBER
                test.fold = step[3]
                test.negate = step[4]
            if test.kind == TEST_MEMBER:
                question = (TEST_MEMBER, test.field, test.fn, test.fold)
            elif test.kind == TEST_REGEX:
                question = (TEST_REGEX, test.field, test.fn, test.max_len)
            else:  # TEST_CALL, TEST_EQUAL
                question = (test.kind, test.field, test.fn)
            test.asked = question_of(question)
            test.valued = question_of(("valued", test.field))
            plan.kind[i] = STEP_TEST
            plan.arg[i] = len(plan.tests)
            plan.tests.append(test)
            depth += 1
        elif step[0] == "not":
            plan.kind[i] = STEP_NOT
        elif step[0] in ("and", "or"):
            plan.kind[i] = STEP_AND if step[0] == "and" else STEP_OR
            plan.arg[i] = step[1]
            depth -= step[1] - 1
        else:
            raise ValueError(f"unknown plan step {step!r}")
        plan.depth = max(plan.depth, depth)
    return plan


cdef int set_fast_tests(Tree tree) except -1:
    """Tree.fast_kind / fast_tests: which predicates are one test of one value."""
    cdef int i
    cdef int* f
    cdef ValueTest test
    tree.fast_kind = int_array(tree.n_preds * FAST_WIDTH)
    tree.fast_tests = [None] * tree.n_preds
    for i in range(tree.n_preds):
        plan = tree.plans[i]
        if plan is None or (<Plan>plan).n_steps != 1:
            continue
        test = <ValueTest>(<Plan>plan).tests[0]
        f = tree.fast_kind + i * FAST_WIDTH
        f[0] = FAST_EQUAL if test.kind == TEST_EQUAL else FAST_TABLE
        f[1] = test.negate
        slot = _FIELD_SLOTS.get(test.field)
        if slot is None:
            slot = _FIELD_SLOTS[test.field] = len(_FIELD_SLOTS)
        f[4] = slot
        tree.fast_tests[i] = test
    return 0


cdef int resolve_pred(Runner r, int idx) except -1:
    """How r tests the Tree's predicate idx in its document (Runner.fst): by value id, by
    answer table, or by bitset (a predicate without a one-test plan, or one whose bitset
    the document already has). An equality touches only C arrays here: the Tree's
    FAST_WIDTH ints of the predicate and the Runner's value ids of the document."""
    cdef Tree tree = r.tree
    cdef int* f = tree.fast_kind + idx * FAST_WIDTH
    cdef int kind = f[0]
    cdef int slot = f[4]
    cdef ValueTest test
    cdef AnswerTable table
    cdef Vocab vocab
    cdef FieldIds found
    if kind == FAST_NONE or (r.table is not None and r.table.rows[idx] != NULL):
        r.fetch(idx)
        r.fst[idx] = FAST_ROW
        return 0
    if slot >= r.scap or r.slot_ids[slot] == NULL:
        test = <ValueTest>tree.fast_tests[idx]
        found = field_ids(r.doc, test.field)  # the ids stay alive in Doc.field_ids
        if slot >= r.scap:
            r.slot_ids = <const int**>grow(r.slot_ids, r.scap, slot + 8, sizeof(int*))
            r.slot_serial = <int*>grow(r.slot_serial, r.scap, slot + 8, sizeof(int))
            memset(r.slot_ids + r.scap, 0, (slot + 8 - r.scap) * sizeof(int*))
            r.scap = slot + 8
        r.slot_ids[slot] = <const int*>PyBytes_AS_STRING(found.ids)
        r.slot_serial[slot] = found.vocab.serial
    r.fids[idx] = r.slot_ids[slot]
    if kind == FAST_EQUAL:
        if f[3] != r.slot_serial[slot]:  # the value's id in this Vocab is not known yet
            test = <ValueTest>tree.fast_tests[idx]
            vocab = field_ids(r.doc, test.field).vocab
            wanted = vocab.ids.get(test.fn)
            if wanted is None:  # no document so far has it (this one neither): ask again next time
                r.farg[idx] = -1
            else:
                f[2] = <int>wanted
                f[3] = vocab.serial
                r.farg[idx] = f[2]
        else:
            r.farg[idx] = f[2]
        r.fneg[idx] = f[1]
        r.fst[idx] = FAST_EQUAL
        return 0
    test = <ValueTest>tree.fast_tests[idx]
    vocab = field_ids(r.doc, test.field).vocab
    table = answer_table(test.field, vocab)
    if test.table is not table:
        test.slot = table.slot_for(test.asked, test.fn if test.kind == TEST_MEMBER else None, test.fold)
        test.table = table
    table.cover(len(vocab.values))
    r.ftab[idx] = table
    r.ftest[idx] = test
    r.farg[idx] = test.slot
    r.fneg[idx] = test.negate
    r.fst[idx] = FAST_TABLE
    return 0


cdef int table_holds(Runner r, int idx, int pos) except -1:
    """A FAST_TABLE predicate at pos: its test's remembered answer for the value there
    (asked once per value, as ValueTest.bits asks)."""
    cdef int i = r.fids[idx][pos]
    cdef AnswerTable table
    cdef int slot, byte
    cdef uint8_t bit
    cdef uint8_t* row
    if i == 0:
        return 0
    table = <AnswerTable>r.ftab[idx]
    slot = r.farg[idx]
    byte = slot >> 3
    bit = <uint8_t>(1 << (slot & 7))
    row = table.matrix + <Py_ssize_t>i * 2 * table.half
    if not row[byte] & bit:
        (<ValueTest>r.ftest[idx]).learn(table, i, table.vocab.values[i])
        row = table.matrix + <Py_ssize_t>i * 2 * table.half  # Python ran: the table may have grown
    return ((row[table.half + byte] & bit) != 0) != r.fneg[idx]


cdef dict _VOCABULARIES = {}  # field → its Vocab
cdef Py_ssize_t _VOCABULARY_SIZE = 100_000


def vocabulary_sizes():
    """Field → how many distinct values its current Vocab holds (for diagnostics and tests)."""
    return {field: len((<Vocab>vocab).values) - 1 for field, vocab in _VOCABULARIES.items()}


def set_vocabulary_size(Py_ssize_t size):
    """Past this many values a field's vocabulary starts afresh (and every answer with it)."""
    global _VOCABULARY_SIZE
    _VOCABULARY_SIZE = size


# id → its index among a document's distinct ids, valid where _SEEN_STAMP[id] is the current
# epoch: one pair of arrays for every field, so that no build clears them
cdef uint32_t* _SEEN_STAMP = NULL
cdef int* _SEEN_SLOT = NULL
cdef Py_ssize_t _SEEN_CAP = 0
cdef uint32_t _SEEN_EPOCH = 0


cdef class FieldIds:
    """One field's value ids at every token of a document (int32 bytes; 0 is None) and their
    Vocab; on first use (``distinct``), also its distinct ids with the positions of each, so
    that a question is answered once per distinct value of the document, not once per token
    (a document repeats most of its words, tags and shapes)."""

    cdef readonly bytes ids
    cdef readonly Vocab vocab
    cdef int n
    cdef int k  # distinct ids other than 0; -1 until distinct() ran
    cdef int* uniq  # the k ids, in the order of their first position
    cdef int* uoff  # k + 1 offsets: the positions of uniq[u] are upos[uoff[u]:uoff[u + 1]]
    cdef int* upos  # positions, ascending within each id
    # The word-list answers of the document's values, read once (``read_answers``) by slot:
    # a word-list question then sets the positions of the values that answer it yes, and
    # does not go through the document's other values.
    cdef AnswerTable read_table  # the table read (None: not yet)
    cdef int read_slots  # the slots read: those given out when it was read
    cdef int* yes_off  # read_slots + 1 offsets into yes_u
    cdef int* yes_u  # per member slot, the distinct values (u) that answer it yes

    def __cinit__(self):
        self.k = -1

    def __dealloc__(self):
        free(self.uniq)
        free(self.uoff)
        free(self.upos)
        free(self.yes_off)
        free(self.yes_u)

    cdef int read_answers(self, AnswerTable table) except -1:
        """Every value's answers to the table's word lists (filled where not known: that is
        cheap), as the values that answer each member slot yes."""
        cdef int u, i, w, s, j, n_words
        cdef int n_slots = table.slots
        cdef uint64_t yes
        cdef const uint64_t* known_words
        cdef const uint64_t* yes_words
        cdef const uint64_t* member_words
        cdef int* first  # k + 1: value u's yes slots are slots.d[first[u]:first[u + 1]]
        cdef int* cursor
        cdef IntVec slots
        slots.d = NULL
        slots.n = slots.cap = 0
        self.distinct()
        table.cover(len(self.vocab.values))
        values = self.vocab.values
        n_words = (n_slots + 63) >> 6  # the halves are whole words (8 bytes, doubled)
        free(self.yes_off)
        free(self.yes_u)
        self.yes_u = NULL
        self.yes_off = int_array(n_slots + 1)
        first = int_array(self.k + 1)
        cursor = NULL
        try:
            for u in range(self.k):
                i = self.uniq[u]
                known_words = <const uint64_t*>(table.matrix + <Py_ssize_t>i * 2 * table.half)
                member_words = <const uint64_t*>table.member_mask
                for w in range(n_words):
                    if member_words[w] & ~known_words[w]:
                        table.fill_members(i, values[i])  # may run Python: the rows are read again below
                        break
                member_words = <const uint64_t*>table.member_mask
                yes_words = <const uint64_t*>(table.matrix + <Py_ssize_t>i * 2 * table.half + table.half)
                first[u] = slots.n
                for w in range(n_words):
                    yes = yes_words[w] & member_words[w]
                    while yes:
                        s = (w << 6) + __builtin_ctzll(yes)
                        yes &= yes - 1
                        iv_push(&slots, s)
                        self.yes_off[s + 1] += 1
            first[self.k] = slots.n
            for s in range(n_slots):
                self.yes_off[s + 1] += self.yes_off[s]
            self.yes_u = int_array(slots.n)
            cursor = int_array(n_slots)
            memcpy(cursor, self.yes_off, n_slots * sizeof(int))
            for u in range(self.k):  # a counting sort of the (slot, value) pairs by slot
                for j in range(first[u], first[u + 1]):
                    s = slots.d[j]
                    self.yes_u[cursor[s]] = u
                    cursor[s] += 1
        finally:
            free(first)
            free(cursor)
            iv_free(&slots)
        self.read_table = table
        self.read_slots = n_slots
        return 0

    cdef int distinct(self) except -1:
        global _SEEN_STAMP, _SEEN_SLOT, _SEEN_CAP, _SEEN_EPOCH
        cdef const int* ids
        cdef int* local
        cdef int* cursor
        cdef int p, i, s, u, k = 0
        cdef Py_ssize_t size
        if self.k >= 0:
            return 0
        size = len(self.vocab.values)
        if size > _SEEN_CAP:
            _SEEN_STAMP = <uint32_t*>grow(_SEEN_STAMP, <int>_SEEN_CAP, <int>max(size, 2 * _SEEN_CAP), sizeof(uint32_t))
            _SEEN_SLOT = <int*>grow(_SEEN_SLOT, <int>_SEEN_CAP, <int>max(size, 2 * _SEEN_CAP), sizeof(int))
            _SEEN_CAP = max(size, 2 * _SEEN_CAP)
        _SEEN_EPOCH += 1
        if _SEEN_EPOCH == 0:  # wrapped: every stamp could look current
            memset(_SEEN_STAMP, 0, _SEEN_CAP * sizeof(uint32_t))
            _SEEN_EPOCH = 1
        ids = <const int*>PyBytes_AS_STRING(self.ids)
        self.uniq = int_array(self.n)
        self.uoff = int_array(self.n + 1)
        self.upos = int_array(self.n)
        local = int_array(self.n)
        try:
            for p in range(self.n):
                i = ids[p]
                if i == 0:
                    local[p] = -1
                    continue
                if _SEEN_STAMP[i] != _SEEN_EPOCH:
                    _SEEN_STAMP[i] = _SEEN_EPOCH
                    _SEEN_SLOT[i] = k
                    self.uniq[k] = i
                    k += 1
                s = _SEEN_SLOT[i]
                local[p] = s
                self.uoff[s + 1] += 1
            for u in range(k):
                self.uoff[u + 1] += self.uoff[u]
            cursor = int_array(k)
            try:
                memcpy(cursor, self.uoff, k * sizeof(int))
                for p in range(self.n):
                    s = local[p]
                    if s >= 0:
                        self.upos[cursor[s]] = p
                        cursor[s] += 1
            finally:
                free(cursor)
        finally:
            free(local)
        self.k = k
        return 0


cdef inline void set_positions(FieldIds fi, int u, uint8_t* out):
    """out |= the positions of fi's u-th distinct id."""
    cdef int j, p
    for j in range(fi.uoff[u], fi.uoff[u + 1]):
        p = fi.upos[j]
        out[p >> 3] |= <uint8_t>(1 << (p & 7))


cdef FieldIds field_ids(Doc d, field):
    """The value ids of the field at every token and their Vocab, once per document."""
    cdef FieldIds found = d.field_ids.get(field)
    if found is None:
        vocab = _VOCABULARIES.get(field)
        if vocab is None or len((<Vocab>vocab).values) > _VOCABULARY_SIZE:
            vocab = _VOCABULARIES[field] = Vocab()
        column = d.column(field)
        if column is None:  # a field this document does not have: no value anywhere
            column = (None,) * d.n
        found = FieldIds()
        found.ids = intern_column(column, <Vocab>vocab)
        found.vocab = <Vocab>vocab
        found.n = d.n
        d.field_ids[field] = found
    return found


cdef bytes question_row(ValueTest test, Doc d):
    """The tokens of d whose value answers the test's question yes, as a bitset: once per
    document and question, however many predicates ask it."""
    cdef Question q = test.asked
    cdef int nbytes
    cdef bytes out
    if q.rows is d.rows:
        return q.row
    nbytes = (d.n >> 3) + 1
    out = PyBytes_FromStringAndSize(NULL, nbytes)
    memset(<uint8_t*>PyBytes_AS_STRING(out), 0, nbytes)
    test.raw_bits(field_ids(d, test.field), <uint8_t*>PyBytes_AS_STRING(out))
    q.rows = d.rows
    q.row = out
    return out


cdef bytes valued_row(ValueTest test, Doc d):
    """The tokens of d that have a value of the test's field (a negated test holds only there)."""
    cdef Question q = test.valued
    cdef int nbytes, p
    cdef const int* ids
    cdef uint8_t* dst
    cdef bytes out
    if q.rows is d.rows:
        return q.row
    nbytes = (d.n >> 3) + 1
    ids = <const int*>PyBytes_AS_STRING(field_ids(d, test.field).ids)
    out = PyBytes_FromStringAndSize(NULL, nbytes)
    dst = <uint8_t*>PyBytes_AS_STRING(out)
    memset(dst, 0, nbytes)
    for p in range(d.n):
        if ids[p] != 0:
            dst[p >> 3] |= <uint8_t>(1 << (p & 7))
    q.rows = d.rows
    q.row = out
    return out


cdef int test_into(ValueTest test, Doc d, uint8_t* dst) except -1:
    """dst (the document's bitset size) = the tokens where the test holds."""
    cdef int nbytes = (d.n >> 3) + 1
    cdef int b
    cdef bytes yes_row = question_row(test, d)  # held here: the Question may move on to another document
    cdef bytes valued_bits
    cdef const uint8_t* yes = <const uint8_t*>PyBytes_AS_STRING(yes_row)
    cdef const uint8_t* valued
    if not test.negate:
        memcpy(dst, yes, nbytes)
        return 0
    valued_bits = valued_row(test, d)
    valued = <const uint8_t*>PyBytes_AS_STRING(valued_bits)
    for b in range(nbytes):
        dst[b] = valued[b] & ~yes[b]
    return 0


cdef bytes plan_row(Plan plan, Doc d):
    """The bitset (as ``bitset``) of the tokens of d satisfying the plan."""
    cdef int n_tokens = d.n
    cdef int nbytes = (n_tokens >> 3) + 1
    cdef uint8_t* stack
    cdef int top = 0, i, j, k, b
    cdef uint8_t* dst
    cdef ValueTest test
    cdef bytes out
    if plan.n_steps == 1:  # one test: its question's row, or that row negated
        test = <ValueTest>plan.tests[0]
        if not test.negate:
            return question_row(test, d)
        out = PyBytes_FromStringAndSize(NULL, nbytes)
        test_into(test, d, <uint8_t*>PyBytes_AS_STRING(out))
        return out
    stack = <uint8_t*>calloc(max(1, plan.depth) * nbytes, 1)
    if stack == NULL:
        raise MemoryError()
    try:
        for i in range(plan.n_steps):
            if plan.kind[i] == STEP_TEST:
                test_into(<ValueTest>plan.tests[plan.arg[i]], d, stack + top * nbytes)
                top += 1
            elif plan.kind[i] == STEP_NOT:
                dst = stack + (top - 1) * nbytes
                for b in range(nbytes):
                    dst[b] = ~dst[b]
                for b in range(n_tokens, nbytes * 8):  # no token past the end
                    dst[b >> 3] &= <uint8_t>~(1 << (b & 7))
            else:
                k = plan.arg[i]
                dst = stack + (top - k) * nbytes
                for j in range(1, k):
                    if plan.kind[i] == STEP_AND:
                        for b in range(nbytes):
                            dst[b] &= dst[j * nbytes + b]
                    else:
                        or_bytes(dst, dst + j * nbytes, nbytes)
                top -= k - 1
        out = PyBytes_FromStringAndSize(<char*>stack, nbytes)
    finally:
        free(stack)
    return out


def row(Doc d, predicate, Plan plan, row_of):
    """The predicate's bitset in d, made once per document: from its plan, else row_of(predicate)."""
    return doc_row(d, predicate, plan, row_of)


cdef bytes doc_row(Doc d, predicate, Plan plan, row_of):
    found = d.rows.get(predicate)
    if found is None:
        found = plan_row(plan, d) if plan is not None else row_of(predicate)
        if not isinstance(found, bytes) or len(<bytes>found) != (d.n >> 3) + 1:
            raise TypeError("a predicate row must be the bytes of a bitset over the document")
        d.rows[predicate] = found
    return found


cdef class Sentences:
    """A document's sentences as arrays, and per-rule scratch for choosing among them."""

    cdef int n
    cdef int* lo
    cdef int* hi
    cdef uint8_t* ok
    cdef uint8_t* ok2  # one filter's sentences (choose_sentences)
    cdef uint8_t* bits
    cdef int nbytes

    def __dealloc__(self):
        free(self.lo)
        free(self.hi)
        free(self.ok)
        free(self.ok2)
        free(self.bits)


cdef Sentences make_sentences(sentences, int n_tokens):
    cdef Sentences t = Sentences()
    cdef int i
    t.n = len(sentences)
    t.nbytes = (n_tokens >> 3) + 1
    t.lo = int_array(t.n)
    t.hi = int_array(t.n)
    t.ok = <uint8_t*>malloc(max(1, t.n))
    t.ok2 = <uint8_t*>malloc(max(1, t.n))
    t.bits = <uint8_t*>malloc(t.nbytes)
    if t.ok == NULL or t.ok2 == NULL or t.bits == NULL:
        raise MemoryError()
    for i, (lo, hi) in enumerate(sentences):
        t.lo[i] = lo
        t.hi[i] = hi
    return t


cdef inline void prefetch_rule(Tree tree, Prog p) noexcept:
    __builtin_prefetch(p.block)
    __builtin_prefetch(<void*>tree.progs)
    __builtin_prefetch(tree.fast_kind)


cdef int run_rule(Runner r, Tree tree, int k, int mode, Doc doc, object row_of, int probes, Sentences ss,
                  bint skip_empty, double deadline, object clock, list matches, list spans) except -1:
    """One rule over the sentences it can match in; returns 1 if the deadline passed, else 0."""
    cdef Prog p = <Prog>PyList_GET_ITEM(tree.progs, 0)
    cdef int i
    cdef uint8_t* ok = ss.ok
    r.setup(tree, doc, row_of, probes)
    choose_sentences(r, p, doc, ss, ok)
    for i in range(ss.n):
        if not ok[i]:
            continue
        if deadline >= 0 and clock() > deadline:
            return 1
        r.sentence(ss.lo[i], ss.hi[i])
        if mode & 2:
            for s, e in r.all_spans():
                spans.append((k, s, e))
        if mode & 1:
            for m in r.finditer():
                if skip_empty and m[0] == m[1]:
                    continue
                matches.append((k, ss.lo[i], ss.hi[i]) + m)
    return 0


cdef int filter_sentences(Runner r, Prog p, Doc doc, Sentences ss, const int* preds, int n_preds,
                          const int* types, int n_types, uint8_t* out) except -1:
    """out[i] = 1 for the sentences holding a position where one of the predicates holds or
    a mention of one of the types begins."""
    cdef int i
    cdef uint8_t* bits = ss.bits
    memset(bits, 0, ss.nbytes)
    or_rows(r, p, preds, n_preds, bits, ss.nbytes)
    if n_types:
        mark_mention_starts(doc, types, n_types, bits)
    for i in range(ss.n):
        out[i] = any_between(bits, ss.lo[i], ss.hi[i])
    return 0


cdef inline uint8_t* sentences_of(Runner r, Prog p, Doc doc, Sentences ss, const int* preds, int n_preds,
                                  const int* types, int n_types, int f, uint8_t* known, uint8_t* chosen) except NULL:
    """The sentences one filter chooses: filter number f's, computed once per document (f >= 0),
    or computed into ss.ok2 (f < 0: no numbers, as for a rule's own Tree)."""
    cdef uint8_t* out
    if f < 0:
        filter_sentences(r, p, doc, ss, preds, n_preds, types, n_types, ss.ok2)
        return ss.ok2
    out = chosen + <Py_ssize_t>f * ss.n
    if not known[f]:
        filter_sentences(r, p, doc, ss, preds, n_preds, types, n_types, out)
        known[f] = 1
    return out


cdef int choose_sentences(Runner r, Prog p, Doc doc, Sentences ss, uint8_t* ok,
                          uint8_t* known=NULL, uint8_t* chosen=NULL) except -1:
    """ok[i] = 1 for the sentences where p can match: those holding a unit its matches can
    begin with and something for each of its requirements (r aimed at p's Tree and doc).

    With ``known`` and ``chosen`` (a stage's Tree: per filter number, whether it is known in
    this document, and its sentences at ``chosen + number * ss.n``), each distinct filter is
    computed once per document and shared by the rules that have it."""
    cdef int i, rq, left
    cdef const uint8_t* out
    memset(ok, 1, ss.n)
    left = ss.n
    # The filters below only choose sentences. The first-unit filter is left out for a
    # single sentence: its simulation starts only where a match can begin anyway. The
    # requirements are checked even for a last sentence: a rule that begins at any name
    # (a Person, a Country …) but needs a rare word ("audience") otherwise simulates one
    # sentence in nearly every document, and the rows they read are shared by all rules.
    # The requirements come first: most are one rare word, and when a document has none of
    # them the first-unit filter (often a broad class, a party or a name, with many rows to
    # OR) need not be computed at all. The filters are ANDed, so their order leaves ok as it was.
    for rq in range(p.n_req):
        if left == 0:
            break
        out = sentences_of(r, p, doc, ss, &p.req_preds[p.req_off[rq]], p.req_off[rq + 1] - p.req_off[rq],
                           &p.req_types[p.req_toff[rq]], p.req_toff[rq + 1] - p.req_toff[rq],
                           p.req_filter[rq] if known != NULL else -1, known, chosen)
        left = 0
        for i in range(ss.n):
            if ok[i]:
                ok[i] = out[i]
                left += ok[i]
    if p.has_first and ss.n > 1 and left > 0:
        out = sentences_of(r, p, doc, ss, p.first_preds, p.n_first, p.first_types, p.n_first_types,
                           p.first_filter if known != NULL else -1, known, chosen)
        for i in range(ss.n):
            if ok[i]:
                ok[i] = out[i]
    return 0


# ---------------------------------------------------------------------------
# One pass per sentence for every candidate rule of a stage (Index.match_stage, one_pass)
#
# The threads of every rule share one list (Threads.hist holds the thread's rule slot:
# the bounds pass keeps no capture history), each rule's threads side by side in their
# priority order. Rules never meet: a rule's instructions are its own Prog of the stage's
# Tree, so visit marks, and with them the Pike VM's "first thread at a pc wins", stay per
# rule. Each rule keeps its own ``finditer`` search (where it started, whether it must
# advance, the match it holds so far); the list advances one position for all, a new
# thread of a rule joins (at the end of its threads: the lowest priority) at every
# position where the rule can begin, and once a rule's search has its match and no
# higher-priority thread is left, the match is final. The next search of that rule starts
# at the match's end, which may lie behind the list (higher-priority threads ran on and
# died): that rule alone runs again from there, up to the list's position, and rejoins.
# Captures are resolved afterwards, for the matches found only (Runner.pike, anchored at
# the match and stopped at its end), as the per-rule search resolves them.

cdef enum:
    OP_SEARCHING = 0
    OP_DONE = 1


cdef class OnePass:
    """The per-sentence state of the one-pass search (reused across sentences and calls)."""

    cdef int n  # rule slots in use
    cdef int cap
    cdef void** progs  # slot → its Prog (borrowed from the stage's Tree)
    cdef int* owner  # slot → the caller's number for it (Index.one_pass: the candidate's place)
    cdef int* state
    cdef int* start  # where the slot's current search began
    cdef uint8_t* advance  # its search must not end with an empty match at start
    cdef uint8_t* matched
    cdef int* found_s
    cdef int* found_e
    cdef int* stepped  # the last position the slot's threads were stepped at (-2: none)
    cdef unsigned long long* steps  # instructions visited, per slot
    cdef int stride  # bytes per slot in can: the sentence's positions lo..hi
    cdef Py_ssize_t can_cap
    cdef uint8_t* can  # can[slot * stride + pos - lo]: the slot's search may begin a thread at pos
    cdef IntVec bucket_off  # slots that can begin at pos: bucket[bucket_off[pos - lo] : bucket_off[pos - lo + 1]]
    cdef IntVec bucket
    cdef IntVec pairs  # (position, slot) where a slot can begin, while the buckets are made
    cdef IntVec found  # final matches: (slot, search start, must advance, start, end) five ints each
    cdef Threads ta, tb  # the shared lists
    cdef Threads pa, pb  # one rule's lists while it runs again from a match's end

    def __dealloc__(self):
        free(self.progs)
        free(self.owner)
        free(self.state)
        free(self.start)
        free(self.advance)
        free(self.matched)
        free(self.found_s)
        free(self.found_e)
        free(self.stepped)
        free(self.steps)
        free(self.can)
        iv_free(&self.bucket_off)
        iv_free(&self.bucket)
        iv_free(&self.pairs)
        iv_free(&self.found)
        th_free(&self.ta)
        th_free(&self.tb)
        th_free(&self.pa)
        th_free(&self.pb)

    cdef int reserve(self, int n) except -1:
        if n <= self.cap:
            return 0
        cap = max(n, 2 * self.cap, 16)
        self.progs = <void**>grow(self.progs, self.cap, cap, sizeof(void*))
        self.owner = <int*>grow(self.owner, self.cap, cap, sizeof(int))
        self.state = <int*>grow(self.state, self.cap, cap, sizeof(int))
        self.start = <int*>grow(self.start, self.cap, cap, sizeof(int))
        self.advance = <uint8_t*>grow(self.advance, self.cap, cap, sizeof(uint8_t))
        self.matched = <uint8_t*>grow(self.matched, self.cap, cap, sizeof(uint8_t))
        self.found_s = <int*>grow(self.found_s, self.cap, cap, sizeof(int))
        self.found_e = <int*>grow(self.found_e, self.cap, cap, sizeof(int))
        self.stepped = <int*>grow(self.stepped, self.cap, cap, sizeof(int))
        self.steps = <unsigned long long*>grow(self.steps, self.cap, cap, sizeof(unsigned long long))
        self.cap = cap
        return 0

    cdef inline bint can_begin(self, int j, int pos, int lo) noexcept:
        return self.can[<Py_ssize_t>j * self.stride + pos - lo] != 0

    cdef int next_begin(self, int j, int pos, int lo, int hi) noexcept:
        """The first position >= pos where slot j can begin a thread, or hi + 1."""
        cdef const uint8_t* row = self.can + <Py_ssize_t>j * self.stride
        while pos <= hi and not row[pos - lo]:
            pos += 1
        return pos

    cdef int prepare(self, Runner r, int lo, int hi) except -1:
        """Every slot searching from lo; where each can begin, and the slots by position."""
        cdef int j, pos, q, span = hi - lo + 1
        cdef Py_ssize_t need = <Py_ssize_t>self.n * span
        cdef Prog p
        cdef uint8_t* row
        cdef int* off
        cdef int* fill
        self.stride = span
        if need > self.can_cap:
            free(self.can)
            self.can_cap = 0
            self.can = <uint8_t*>malloc(need)
            if self.can == NULL:
                raise MemoryError()
            self.can_cap = need
        iv_reserve(&self.bucket_off, span + 1)
        self.bucket_off.n = span + 1
        off = self.bucket_off.d
        memset(off, 0, (span + 1) * sizeof(int))
        self.pairs.n = 0
        for j in range(self.n):
            p = <Prog>self.progs[j]
            row = self.can + <Py_ssize_t>j * span
            if p.has_first:
                r.mark_starts(p, row)  # tokens of [lo, hi); a first-set program matches no empty span at hi
            else:
                memset(row, 1, span)  # every position, the sentence end included
            pos = 0
            while pos < span:
                if pos + 8 <= span and (<uint64_t*>(row + pos))[0] == 0:  # (unaligned reads: x86 and arm64 allow them)
                    pos += 8
                    continue
                if row[pos]:
                    iv_push(&self.pairs, pos)
                    iv_push(&self.pairs, j)
                    off[pos + 1] += 1
                pos += 1
            self.state[j] = OP_SEARCHING
            self.start[j] = lo
            self.advance[j] = 0
            self.matched[j] = 0
            self.stepped[j] = -2
            self.steps[j] = 0
        for pos in range(span):
            off[pos + 1] += off[pos]
        iv_reserve(&self.bucket, off[span])
        self.bucket.n = off[span]
        fill = self.bucket.d
        # Placed in slot order (pairs are), each position's slots are in slot order; off[pos]
        # moves on to off[pos + 1] meanwhile and is moved back after.
        for q in range(0, self.pairs.n, 2):
            pos = self.pairs.d[q]
            fill[off[pos]] = self.pairs.d[q + 1]
            off[pos] += 1
        pos = span
        while pos > 0:
            off[pos] = off[pos - 1]
            pos -= 1
        off[0] = 0
        self.found.n = 0
        if self.ta.nslots != 1:
            th_free(&self.ta)
            th_free(&self.tb)
            th_free(&self.pa)
            th_free(&self.pb)
            self.ta.nslots = self.tb.nslots = self.pa.nslots = self.pb.nslots = 1
        return 0

    cdef int begin(self, Runner r, int j, int pos, Threads* out) except -1:
        """A thread of slot j's search at pos where none of its threads was stepped into pos
        (a thread at pos + 1 of a slot that was is added by ``step``, under that step's marks)."""
        global STEPS
        cdef Prog p = <Prog>self.progs[j]
        cdef unsigned long long before = STEPS
        r.next_stamp(p)
        r.tmp[0] = pos
        r.closure(p, out, 0, r.tmp, j, pos, False)
        self.steps[j] += STEPS - before
        return 0

    cdef int step(self, Runner r, int j, Threads* src, int a, int b, int pos, Threads* out) except -1:
        """Slot j's threads src[a:b] at pos, in priority order, into out (at pos + 1), then its
        new thread at pos + 1 while its search has no match; as one step of Runner.pike.
        Returns 1 when the search is over (its match, if any, is final), else 0."""
        global STEPS
        cdef Prog p = <Prog>self.progs[j]
        cdef int hi = r.hi
        cdef int i
        cdef int seg = out.n
        cdef int start = self.start[j]
        cdef int* slots
        cdef unsigned long long before = STEPS
        r.next_stamp(p)
        r.waiting_clear()
        for i in range(a, b):
            slots = &src.slots[i]
            if r.thread_step(p, out, src.pc[i], src.wait[i], slots, j, pos, False):
                if self.advance[j] and pos == start and slots[0] == start:
                    continue
                self.matched[j] = 1
                self.found_s[j] = slots[0]
                self.found_e[j] = pos
                break  # lower-priority threads lose to this match
        self.stepped[j] = pos
        if pos >= hi:
            out.n = seg  # nothing goes past the sentence end
            self.steps[j] += STEPS - before
            return 1
        if not self.matched[j]:
            if self.can_begin(j, pos + 1, r.lo):
                r.tmp[0] = pos + 1
                r.closure(p, out, 0, r.tmp, j, pos + 1, False)
            self.steps[j] += STEPS - before
            return 0
        self.steps[j] += STEPS - before
        return 1 if out.n == seg else 0

    cdef int advance_slot(self, Runner r, int j, Threads* src, int a, int b, int pos, Threads* out) except -1:
        """Slot j at pos (step), and whatever its finished searches start again: each next
        search begins at the last match's end; if that is behind pos, the slot runs alone
        from there (on lists of its own) up to pos, and its threads at pos + 1 go to out."""
        cdef Prog p = <Prog>self.progs[j]
        cdef int lo = r.lo, hi = r.hi
        cdef int seg = out.n
        cdef int x, cur, s, e
        cdef Threads* A
        cdef Threads* B
        cdef Threads* swap
        cdef bint ended = self.step(r, j, src, a, b, pos, out)
        while ended:
            out.n = seg
            if not self.matched[j]:
                self.state[j] = OP_DONE  # no match from its search start: none later either
                return 0
            s = self.found_s[j]
            e = self.found_e[j]
            iv_push(&self.found, j)
            iv_push(&self.found, self.start[j])
            iv_push(&self.found, self.advance[j])
            iv_push(&self.found, s)
            iv_push(&self.found, e)
            self.start[j] = e
            self.advance[j] = e == s
            self.matched[j] = 0
            x = self.next_begin(j, e, lo, hi)
            if x > hi:
                self.state[j] = OP_DONE
                return 0
            if x > pos:
                self.stepped[j] = -2  # the shared loop begins it at x
                return 0
            # The new search begins behind the list: run it alone from x to pos.
            A = &self.pa
            B = &self.pb
            A.n = 0
            self.stepped[j] = -2
            self.begin(r, j, x, A)
            cur = x
            ended = False
            while cur < pos:
                B.n = 0
                ended = self.step(r, j, A, 0, A.n, cur, B)
                if ended:
                    break
                swap = A
                A = B
                B = swap
                cur += 1
                if A.n == 0:  # nothing in flight (and no match yet): on to where it can begin next
                    x = self.next_begin(j, cur, lo, hi)
                    if x > hi:
                        self.state[j] = OP_DONE
                        return 0
                    if x > pos:
                        self.stepped[j] = -2
                        return 0
                    if x > cur:
                        cur = x
                        self.begin(r, j, cur, A)
            if ended:
                continue
            ended = self.step(r, j, A, 0, A.n, pos, out)
        return 0

    cdef int run(self, Runner r) except -1:
        """Every slot's finditer over the sentence r is aimed at (bounds only), into found."""
        cdef int lo = r.lo, hi = r.hi
        cdef int pos = lo
        cdef int i, b, j, q
        cdef Threads* clist = &self.ta
        cdef Threads* nlist = &self.tb
        cdef Threads* swap
        cdef const int* off
        clist.n = 0
        off = self.bucket_off.d
        for q in range(off[0], off[1]):
            self.begin(r, self.bucket.d[q], pos, clist)
        while True:
            nlist.n = 0
            i = 0
            while i < clist.n:
                j = clist.hist[i]
                b = i + 1
                while b < clist.n and clist.hist[b] == j:
                    b += 1
                self.advance_slot(r, j, clist, i, b, pos, nlist)
                i = b
            if pos >= hi:
                break
            pos += 1
            if nlist.n == 0:  # nothing in flight: on to the next position where a slot can begin
                off = self.bucket_off.d
                while pos <= hi and off[pos - lo] == off[pos - lo + 1]:
                    pos += 1
                if pos > hi:
                    break
            off = self.bucket_off.d
            for q in range(off[pos - lo], off[pos - lo + 1]):
                j = self.bucket.d[q]
                if self.state[j] == OP_SEARCHING and self.stepped[j] != pos - 1 and not self.matched[j] \
                        and pos >= self.start[j]:
                    self.begin(r, j, pos, nlist)
            swap = clist
            clist = nlist
            nlist = swap
        return 0

    cdef int resolve(self, Runner r, int lo, int hi, bint skip_empty, list found_by_owner, const int* rule_of) except -1:
        """The matches found, with their captures, appended to found_by_owner[owner] as
        (k, lo, hi, start, end, slots, history), k = rule_of[owner] (empty ones left out with skip_empty)."""
        cdef int q, j, s, e, start
        cdef bint adv
        cdef int got[2]
        cdef Prog p
        for q in range(0, self.found.n, 5):
            j = self.found.d[q]
            start = self.found.d[q + 1]
            adv = self.found.d[q + 2]
            s = self.found.d[q + 3]
            e = self.found.d[q + 4]
            if skip_empty and s == e:
                continue
            p = <Prog>self.progs[j]
            if p.n_slots > 2:
                if not r.pike(p, start, adv, True, s, e, got) or got[0] != s or got[1] != e:
                    raise RuntimeError("compiled matcher: the capture run did not find the match again")
                m = r.match_tuple(p, s, e)
            else:
                m = (s, e, (s, e), ())
            found = found_by_owner[self.owner[j]]
            if found is None:
                found = found_by_owner[self.owner[j]] = []
            (<list>found).append((rule_of[self.owner[j]], lo, hi) + m)
        return 0


# ---------------------------------------------------------------------------
# The rule set's index (engine.ruleindex.RuleIndex) over value ids


cdef int vocab_id(Vocab vocab, value) except -1:
    found = vocab.ids.get(value)
    if found is None:
        found = len(vocab.values)
        vocab.ids[value] = found
        vocab.values.append(value)
    return <int>found


cdef class FieldAnchors:
    """One field's anchors for one Vocab: value id → the rules that can begin with it."""

    cdef Vocab vocab
    cdef int max_id
    cdef int* off  # rules of id i: rules[off[i] : off[i + 1]]
    cdef int* rules
    cdef uint32_t* present  # present[id] == the current document's stamp: the document has it
    cdef Py_ssize_t present_cap

    def __dealloc__(self):
        free(self.off)
        free(self.rules)
        free(self.present)


cdef class Needs:
    """Every rule's literal requirements as (field slot, value id) choices of some Vocabs:
    rule k's requirements are off[k] : off[k + 1] (indexes into choice_off), requirement q
    is met by one of the choices choice_off[q] : choice_off[q + 1]. Never changed once made."""

    cdef tuple vocabs
    cdef int* off
    cdef int* choice_off
    cdef IntVec choices  # choice c: field slot choices.d[2c], value id choices.d[2c + 1]

    def __dealloc__(self):
        free(self.off)
        free(self.choice_off)
        iv_free(&self.choices)


cdef class Hits:
    """The rules whose first token (and every literal requirement) a document has, sorted;
    and, per rule that may begin with a mention, whether the document has its literal
    requirements (``requirements_met``: 1 or 0, by rule number)."""

    cdef IntVec rules
    cdef bytearray requirements_met

    def __dealloc__(self):
        iv_free(&self.rules)

    def __len__(self):
        return self.rules.n

    def __iter__(self):
        return iter([self.rules.d[i] for i in range(self.rules.n)])


cdef int compare_ints(const void* a, const void* b) noexcept nogil:
    return (<const int*>a)[0] - (<const int*>b)[0]


cdef extern from "stdlib.h":
    void qsort(void* base, size_t n, size_t size, int (*compar)(const void*, const void*) noexcept nogil)


cdef void sort_unique(IntVec* v) noexcept:
    cdef Py_ssize_t i, j = 0
    if v.n < 2:
        return
    qsort(v.d, v.n, sizeof(int), compare_ints)
    for i in range(1, v.n):
        if v.d[i] != v.d[j]:
            j += 1
            v.d[j] = v.d[i]
    v.n = j + 1


cdef void sort_unique_rules(IntVec* v, int n_rules) noexcept:
    """v = its distinct values in increasing order, each a rule number in [0, n_rules): a mark per
    rule and one scan, which costs less than sorting the repeats one value per anchor brings."""
    cdef Py_ssize_t i, j = 0
    cdef int k
    cdef uint8_t* seen
    if v.n < 2:
        return
    seen = <uint8_t*>calloc(n_rules, 1)
    if seen == NULL:
        sort_unique(v)
        return
    for i in range(v.n):
        k = v.d[i]
        if k < 0 or k >= n_rules:  # (never, for rule numbers; the general sort then)
            free(seen)
            sort_unique(v)
            return
        seen[k] = 1
    for k in range(n_rules):
        if seen[k]:
            v.d[j] = k
            j += 1
    v.n = j
    free(seen)


cdef bint needs_met(Needs needs, int k, list anchors, uint32_t stamp):
    """Whether the document last marked with ``stamp`` has a choice of each of rule k's
    literal requirements."""
    cdef int q, c, j
    cdef FieldAnchors a
    for q in range(needs.off[k], needs.off[k + 1]):
        for c in range(needs.choice_off[q], needs.choice_off[q + 1]):
            a = <FieldAnchors>anchors[needs.choices.d[2 * c]]
            j = needs.choices.d[2 * c + 1]
            if j < a.present_cap and a.present[j] == stamp:
                break
        else:
            return False
    return True


cdef class Index:
    """Which rules can match in a document, and every candidate of a stage run in one call.

    Built from an ``engine.ruleindex.RuleIndex`` (the same anchors, requirements and
    mention types) and the rules' programs; the answers are the same as its own.
    """

    cdef int n_rules
    cdef list programs
    cdef list trees  # Tree or None (made on first use)
    cdef object tree_of
    cdef object plan_of
    cdef list fields  # names of the fields anchors and requirements look at
    cdef dict tables  # field → {value: [rules]}
    cdef list anchors  # per field: its FieldAnchors (for the Vocab last met)
    cdef list needs  # per rule: tuple of requirements, each {field: frozenset(values)}
    cdef Needs needs_ids  # needs as value ids (of the Vocabs last met)
    cdef list by_predicate  # (predicate, plan, rules)
    cdef list by_mention  # (type id, rules)
    cdef int* mention_first  # the rules of by_mention, each once
    cdef int n_mention_first
    cdef list always
    cdef int* stage_of
    cdef uint32_t doc_stamp
    cdef Runner spare  # a Runner to reuse (taken while in use, so threads never share one)
    cdef void** tree_ptrs  # rule k's Tree and its rule Prog (borrowed: self.trees holds them)
    cdef void** prog_ptrs
    cdef list steps  # per rule, the instructions its runs visited (None: not profiling)
    cdef dict stage_trees  # stage → the Tree of all its rules (the one-pass search; made on first use)
    cdef list stage_progs  # rule k → its Prog in its stage's Tree (None until that is made)
    cdef OnePass spare_pass

    def __dealloc__(self):
        free(self.stage_of)
        free(self.mention_first)
        free(self.tree_ptrs)
        free(self.prog_ptrs)

    def __init__(self, programs, rule_index, stage_of, tree_of, plan_of):
        cdef int k
        self.n_rules = len(programs)
        self.programs = list(programs)
        self.trees = [None] * self.n_rules
        self.tree_of = tree_of
        self.plan_of = plan_of
        self.tables = {field: dict(table) for field, table in rule_index.by_value.items()}
        self.needs = list(rule_index.needs)
        fields = set(self.tables)
        for requirements in self.needs:
            for choice in requirements:
                fields.update(choice)
        self.fields = sorted(fields)
        self.anchors = [None] * len(self.fields)
        self.by_predicate = [(p, plan_of(p), tuple(rules)) for p, rules in rule_index.by_predicate.values()]
        self.by_mention = [(type_id(t), tuple(rules)) for t, rules in rule_index.by_mention.items()]
        mention_first = sorted({k for _, rules in self.by_mention for k in rules})
        self.n_mention_first = len(mention_first)
        self.mention_first = int_array(max(1, self.n_mention_first))
        for k in range(self.n_mention_first):
            self.mention_first[k] = mention_first[k]
        self.always = list(rule_index.always)
        self.stage_of = int_array(self.n_rules)
        for k in range(self.n_rules):
            self.stage_of[k] = stage_of[k]
        self.stage_trees = {}
        self.stage_progs = [None] * self.n_rules
        # Every rule's Tree now, as spaCy's Matcher compiles its patterns when they are added,
        # not in whichever document first needs it; with the cyclic GC paused meanwhile (the
        # Trees and Plans hold no cycles, and a full collection over a large rule set's
        # objects would cost more than building them).
        enabled = gc.isenabled()
        gc.disable()
        try:
            self.trees = [tree_of(program) for program in self.programs]
        finally:
            if enabled:
                gc.enable()
        self.tree_ptrs = <void**>calloc(max(1, self.n_rules), sizeof(void*))
        self.prog_ptrs = <void**>calloc(max(1, self.n_rules), sizeof(void*))
        if self.tree_ptrs == NULL or self.prog_ptrs == NULL:
            raise MemoryError()
        for k in range(self.n_rules):
            self.tree_ptrs[k] = <void*>self.trees[k]
            self.prog_ptrs[k] = <void*>(<Tree>self.trees[k]).progs[0]

    cdef Tree tree(self, int k):
        found = self.trees[k]
        if found is None:
            found = self.trees[k] = self.tree_of(self.programs[k])
        return <Tree>found

    cdef FieldAnchors field_anchors(self, int f, Vocab vocab):
        """Field f's anchors as ids of vocab (made again when the field's Vocab changes)."""
        cdef FieldAnchors a = self.anchors[f]
        cdef int i, j
        if a is not None and a.vocab is vocab:
            return a
        a = FieldAnchors()
        a.vocab = vocab
        table = self.tables.get(self.fields[f], {})
        ids = {vocab_id(vocab, value): rules for value, rules in table.items()}
        a.max_id = max(ids) if ids else 0
        a.off = int_array(a.max_id + 2)
        a.rules = int_array(sum(len(r) for r in ids.values()))
        for i in range(a.max_id + 1):
            a.off[i + 1] = a.off[i] + len(ids.get(i, ()))
        for i, rules in ids.items():
            j = a.off[i]
            for rule in rules:
                a.rules[j] = rule
                j += 1
        self.anchors[f] = a
        return a

    cdef Needs needs_for(self, tuple vocabs):
        """The requirements as ids of these Vocabs (made again when a field's Vocab changes)."""
        cdef Needs needs = self.needs_ids
        cdef int k, q = 0
        if needs is not None and all(x is y for x, y in zip(needs.vocabs, vocabs)):
            return needs
        needs = Needs()
        needs.vocabs = vocabs
        slot = {field: f for f, field in enumerate(self.fields)}
        needs.off = int_array(self.n_rules + 1)
        needs.choice_off = int_array(sum(len(r) for r in self.needs) + 1)
        for k in range(self.n_rules):
            needs.off[k] = q
            for choice in self.needs[k]:
                needs.choice_off[q] = <int>(needs.choices.n // 2)
                for field, values in choice.items():
                    f = slot[field]
                    for value in values:
                        iv_push(&needs.choices, f)
                        iv_push(&needs.choices, vocab_id(<Vocab>vocabs[f], value))
                q += 1
        needs.off[self.n_rules] = q
        needs.choice_off[q] = <int>(needs.choices.n // 2)
        self.needs_ids = needs
        return needs

    def token_candidates(self, Doc doc):
        """The rules whose first token occurs in the document (mention anchors aside) and
        whose literal requirements it has: ``RuleIndex.token_candidates``, as Hits.

        Everything that may run Python (value ids, tables for new Vocabs) comes first; what
        marks and reads the shared ``present`` arrays runs after it without calling Python, so
        that no other thread can run in between. The bitsets of the predicates that anchor
        rules come last, and only for predicates with a rule whose literal requirements the
        document has (most documents lack the words of most rules: a Meeting rule that begins
        at any capitalised word needs a meeting word too).
        """
        cdef Hits hits = Hits()
        cdef int f, p, i, j, k
        cdef int nf = len(self.fields)
        cdef FieldAnchors a
        cdef const int* ids
        cdef Py_ssize_t size
        cdef uint32_t stamp
        cdef IntVec found
        cdef Needs needs
        cdef uint8_t* met
        cdef uint8_t* ok
        cdef bint any_ok
        found.d = NULL
        found.n = found.cap = 0
        try:
            columns = []
            anchors = []
            vocabs = []
            for f in range(nf):
                ids_of_field = field_ids(doc, self.fields[f])
                column_ids, vocab = ids_of_field.ids, ids_of_field.vocab
                a = self.field_anchors(f, <Vocab>vocab)
                size = len((<Vocab>vocab).values)
                if size > a.present_cap:
                    a.present = <uint32_t*>grow(a.present, <int>a.present_cap, <int>max(size, 2 * a.present_cap),
                                                sizeof(uint32_t))
                    a.present_cap = max(size, 2 * a.present_cap)
                columns.append(column_ids)
                anchors.append(a)
                vocabs.append(vocab)
            for k in self.always:
                iv_push(&found, k)
            needs = self.needs_for(tuple(vocabs))
            requirements_ok = bytearray(self.n_rules)  # of the rules a predicate anchors
            ok = <uint8_t*>PyByteArray_AS_STRING(requirements_ok)
            wanted = []
            hits.requirements_met = bytearray(self.n_rules)
            met = <uint8_t*>PyByteArray_AS_STRING(hits.requirements_met)
            # From here on no Python runs.
            self.doc_stamp += 1
            if self.doc_stamp == 0xFFFFFFFF:
                self.doc_stamp = 1
                for a in anchors:
                    memset(a.present, 0, a.present_cap * sizeof(uint32_t))
            stamp = self.doc_stamp
            for f in range(nf):
                a = <FieldAnchors>anchors[f]
                ids = <const int*>PyBytes_AS_STRING(columns[f])
                for p in range(doc.n):
                    i = ids[p]
                    # (a value seen before in this document has put its rules in already: "the"
                    # anchors rules at every one of its tokens, and sorting those repeats cost more
                    # than the rest of the lookup)
                    if i == 0 or a.present[i] == stamp:
                        continue
                    a.present[i] = stamp
                    if i <= a.max_id:
                        for j in range(a.off[i], a.off[i + 1]):
                            iv_push(&found, a.rules[j])
            sort_unique_rules(&found, self.n_rules)
            for i in range(found.n):
                k = found.d[i]
                if needs_met(needs, k, anchors, stamp):
                    iv_push(&hits.rules, k)
            # Rules that may begin with a mention join a stage when the document has such a
            # mention (match_stage); they too need their literal requirements.
            for i in range(self.n_mention_first):
                k = self.mention_first[i]
                if needs_met(needs, k, anchors, stamp):
                    met[k] = 1
            for entry in self.by_predicate:
                any_ok = False
                for k in <tuple>(<tuple>entry)[2]:
                    if needs_met(needs, k, anchors, stamp):
                        ok[k] = 1
                        any_ok = True
                if any_ok:
                    wanted.append(entry)
            # The present arrays are read no more: Python may run again.
            for predicate, plan, rules in wanted:
                row = doc_row(doc, predicate, plan, None)
                if (<bytes>row).strip(b"\0"):
                    for k in rules:
                        if ok[k]:
                            iv_push(&hits.rules, k)
            if wanted:
                sort_unique_rules(&hits.rules, self.n_rules)
        finally:
            iv_free(&found)
        return hits

    def profile(self, bint on=True):
        """Count, per rule, the automaton instructions its runs visit (``steps``), from now on."""
        self.steps = [0] * self.n_rules if on else None

    def profiled_steps(self):
        """Per rule, the instructions visited since ``profile()`` (None when not profiling)."""
        return None if self.steps is None else list(self.steps)

    cdef Tree stage_tree(self, int stage):
        """Every rule of the stage in one Tree (their lookarounds shared where the programs share them)."""
        cdef int k
        found = self.stage_trees.get(stage)
        if found is None:
            rules = [k for k in range(self.n_rules) if self.stage_of[k] == stage]
            enabled = gc.isenabled()
            gc.disable()
            try:
                found, tops = build_many([self.programs[k] for k in rules], self.plan_of)
            finally:
                if enabled:
                    gc.enable()
            for k, top in zip(rules, tops):
                self.stage_progs[k] = top
            self.stage_trees[stage] = found
        return <Tree>found

    def match_stage(self, int stage, Hits hits, Doc doc, row_of, sentences, int probes_before_sweep, modes,
                    bint skip_empty, double deadline, clock, bint one_pass=False):
        """``match_rules`` for the candidates of one stage: the token candidates (hits) of
        the stage, and its rules that begin with a mention of a type the document has.
        Matches and spans name rules by their number in the rule set. With one_pass, the
        ``finditer`` matches of every candidate come from one search per sentence
        (``OnePass``) instead of one search per rule and sentence; the same matches."""
        cdef IntVec run
        cdef int i, k, t, g
        cdef unsigned long long before
        cdef bint has
        cdef Runner r
        cdef Sentences ss
        cdef list matches = []
        cdef list spans = []
        cdef const uint8_t* mode = modes
        run.d = NULL
        run.n = run.cap = 0
        try:
            for i in range(hits.rules.n):
                k = hits.rules.d[i]
                if self.stage_of[k] == stage:
                    iv_push(&run, k)
            for g, rules in self.by_mention:
                has = False
                for t in range(doc.isa_local):
                    if doc_isa(doc, t, g):
                        has = True
                        break
                if has:
                    for k in rules:
                        if self.stage_of[k] == stage and hits.requirements_met[k]:
                            iv_push(&run, k)
            sort_unique_rules(&run, self.n_rules)
            if run.n == 0:
                return matches, spans, -1
            r = self.spare
            self.spare = None
            if r is None:
                r = Runner()
            ss = make_sentences(sentences, doc.n)
            if one_pass:
                try:
                    return self.one_pass(r, stage, &run, doc, row_of, probes_before_sweep, ss, mode, skip_empty,
                                         deadline, clock)
                finally:
                    r.release()
                    self.spare = r
            # A rule's Tree and code are cold in a large rule set: ask for every candidate's
            # at once (their fetches from memory overlap) rather than one after the other.
            for i in range(run.n):
                __builtin_prefetch(self.tree_ptrs[run.d[i]])
                __builtin_prefetch(self.prog_ptrs[run.d[i]])
            for i in range(run.n):
                prefetch_rule(<Tree>self.tree_ptrs[run.d[i]], <Prog>self.prog_ptrs[run.d[i]])
            try:
                for i in range(run.n):
                    k = run.d[i]
                    before = STEPS
                    if run_rule(r, self.tree(k), k, mode[k], doc, row_of, probes_before_sweep, ss, skip_empty,
                                deadline, clock, matches, spans):
                        return matches, spans, k
                    if self.steps is not None:
                        self.steps[k] += STEPS - before
            finally:
                r.release()
                self.spare = r
        finally:
            iv_free(&run)
        return matches, spans, -1

    cdef tuple one_pass(self, Runner r, int stage, IntVec* run, Doc doc, row_of, int probes, Sentences ss,
                        const uint8_t* mode, bint skip_empty, double deadline, clock):
        """match_stage's work with the finditer matches of each sentence from one OnePass run
        (the spans of the all-matches mode as the per-rule search finds them, rule by rule)."""
        cdef Tree tree = self.stage_tree(stage)
        cdef OnePass op = self.spare_pass
        cdef int n = <int>run.n
        cdef int i, j, q, slots = 0
        cdef bint aimed
        cdef Prog p
        cdef uint8_t* ok
        cdef bytearray chosen = bytearray(max(1, n * ss.n))
        # each distinct sentence filter of the stage, once for the document (choose_sentences)
        cdef bytearray filters_known = bytearray(max(1, tree.n_filters))
        cdef bytearray filters_chosen = bytearray(max(1, tree.n_filters * ss.n))
        cdef list matches = []
        cdef list spans = []
        cdef list found_by_rule = [None] * n  # per candidate: its matches (made when it has one)
        self.spare_pass = None
        if op is None:
            op = OnePass()
        try:
            r.setup(tree, doc, row_of, probes)
            ok = <uint8_t*>PyByteArray_AS_STRING(chosen)
            op.reserve(n)
            for j in range(n):
                p = <Prog>self.stage_progs[run.d[j]]
                if p.n_slots > slots:
                    slots = p.n_slots
                choose_sentences(r, p, doc, ss, ok + <Py_ssize_t>j * ss.n,
                                 <uint8_t*>PyByteArray_AS_STRING(filters_known),
                                 <uint8_t*>PyByteArray_AS_STRING(filters_chosen))
                if mode[run.d[j]] & 2:
                    for i in range(ss.n):
                        if ok[<Py_ssize_t>j * ss.n + i]:
                            if deadline >= 0 and clock() > deadline:
                                return matches, spans, run.d[j]
                            r.sentence(ss.lo[i], ss.hi[i])
                            for s, e in r.all_spans_of(p):
                                spans.append((run.d[j], s, e))
            r.need_slots(slots)
            for i in range(ss.n):
                op.n = 0
                for j in range(n):
                    if ok[<Py_ssize_t>j * ss.n + i] and mode[run.d[j]] & 1:
                        op.progs[op.n] = <void*>self.stage_progs[run.d[j]]
                        op.owner[op.n] = j
                        op.n += 1
                if op.n == 0:
                    continue
                if deadline >= 0 and clock() > deadline:
                    return matches, spans, run.d[op.owner[0]]
                r.sentence(ss.lo[i], ss.hi[i])
                op.prepare(r, ss.lo[i], ss.hi[i])
                op.run(r)
                op.resolve(r, ss.lo[i], ss.hi[i], skip_empty, found_by_rule, run.d)
                if self.steps is not None:
                    for q in range(op.n):
                        self.steps[run.d[op.owner[q]]] += op.steps[q]
            for found in found_by_rule:
                if found is not None:
                    matches.extend(<list>found)
        finally:
            op.n = 0
            self.spare_pass = op
        return matches, spans, -1
