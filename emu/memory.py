"""Simulated memory and the instructions that use it: SMEM, global/flat/scratch/buffer, LDS (ds_*).

Global memory is one byte array holding every allocation (kernel arguments, buffers, the dispatch packet) at
virtual addresses from `BASE`, with an unmapped gap after each so that a stray access is caught and named.
LDS is one array per workgroup, scratch one per lane. Lanes of a group access memory in lane order, waves in
group order, so atomics are sequentially consistent and the last store to an address wins.
"""
from __future__ import annotations
import numpy as np
from emu.execute import EmuError, Unsupported, typed, raw_bits
from emu.alu import brev32
from emu.program import Op
from emu.wave import Group, NULL, M0, SHARED_HI, PRIVATE_HI, constant

BASE, GAP, ALIGN = 1 << 32, 1 << 16, 256


class Memory:
  def __init__(self):
    self.heap = np.zeros(0, np.uint8)
    self.starts: list[int] = []
    self.ends: list[int] = []
    self.names: list[str] = []

  def alloc(self, data: bytes | np.ndarray, name: str = "") -> int:
    data = np.frombuffer(bytes(data), np.uint8) if isinstance(data, (bytes, bytearray)) else \
      np.ascontiguousarray(data).reshape(-1).view(np.uint8)
    off = (len(self.heap) + ALIGN - 1) // ALIGN * ALIGN
    self.heap = np.concatenate([self.heap, np.zeros(off - len(self.heap) + len(data) + GAP, np.uint8)])
    self.heap[off:off + len(data)] = data
    self.starts.append(BASE + off); self.ends.append(BASE + off + len(data)); self.names.append(name)
    self._index = (np.array(self.starts, np.uint64), np.array(self.ends, np.uint64))
    return BASE + off

  def map_image(self, data: bytes, name: str = "code object"):
    """The code object's loaded image at its own virtual addresses 0..len(data): what s_getpc-relative data
    (__constant tables, globals) is read from. Kept as one more allocation; addresses below its end go to it."""
    self.image_at, self.image_end = self.alloc(data, name), len(data)

  def read_back(self, addr: int, n: int) -> np.ndarray:
    return self.heap[addr - BASE:addr - BASE + n]

  def offsets(self, addr: np.ndarray, size: int, what: str) -> np.ndarray:
    """Heap offsets of accesses of `size` bytes at `addr` (uint64), refusing any outside an allocation."""
    addr = np.asarray(addr, np.uint64)
    if getattr(self, "image_end", 0): addr = np.where(addr < self.image_end, addr + np.uint64(self.image_at), addr)
    starts, ends = self._index if self.starts else (np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    k = np.searchsorted(starts, addr, "right") - 1
    ok = (k >= 0) & (addr + np.uint64(size) <= ends[np.maximum(k, 0)] if len(ends) else np.zeros(addr.shape, bool))
    if not ok.all():
      bad = int(addr[~ok][0])
      near = ", ".join(f"{n or 'buffer'} {s:#x}..{e:#x}" for n, s, e in zip(self.names, self.starts, self.ends))
      raise EmuError(f"{what}: {size}-byte access at {bad:#x} is outside every buffer ({near})")
    return (addr - np.uint64(BASE)).astype(np.int64)

  def load(self, addr: np.ndarray, size: int, what: str) -> np.ndarray:
    off = self.offsets(addr, size, what)
    return self.heap[off[..., None] + np.arange(size)]

  def store(self, addr: np.ndarray, data: np.ndarray, what: str):
    off = self.offsets(addr, data.shape[-1], what)
    self.heap[off[..., None] + np.arange(data.shape[-1])] = data


def _bytes_to_dwords(b: np.ndarray) -> np.ndarray:
  """(..., 4n) uint8 -> (..., n) uint32"""
  return np.ascontiguousarray(b).view("<u4")


def _dwords_to_bytes(d: np.ndarray) -> np.ndarray:
  return np.ascontiguousarray(d.astype("<u4")).view(np.uint8)


# load/store sizes and how a narrow load fills its register: (bytes, sign-extend, d16 half: None/lo/hi)
def access_kind(name: str) -> tuple[int, bool, str | None]:
  tail = name.rsplit("_", 1)[-1]
  d16 = "hi" if "d16_hi" in name else ("lo" if "d16" in name else None)
  if tail in ("b32", "dword"): return 4, False, d16
  if tail in ("b64", "dwordx2"): return 8, False, d16
  if tail in ("b96", "dwordx3"): return 12, False, d16
  if tail in ("b128", "dwordx4"): return 16, False, d16
  if tail in ("b16", "u16", "short", "ushort"): return 2, False, d16
  if tail in ("i16", "sshort"): return 2, True, d16
  if tail in ("u8", "b8", "ubyte", "byte"): return 1, False, d16
  if tail in ("i8", "sbyte"): return 1, True, d16
  raise Unsupported(f"memory access size of {name}")

# ---------------------------------------------------------------------------------------------------- SMEM

def run_smem(op: Op, G: Group, mem: Memory, gfx12: bool):
  name = op.name
  if name in ("s_dcache_inv", "s_icache_inv", "s_dcache_wb", "s_gl1_inv", "s_prefetch_data", "s_prefetch_inst"): return
  f = op.f
  n = op.widths.get("sdata", 1)
  off = f["offset"]
  bits = 24 if gfx12 else 21
  off = off - (1 << bits) if off >> (bits - 1) & 1 else off
  if "buffer" in name:
    rs = [G.sgpr(f["sbase"] * 2 + k) for k in range(4)]
    base = (rs[0].astype(np.uint64) | (rs[1].astype(np.uint64) & np.uint64(0xFFFF)) << np.uint64(32))
  else: base = G.sgpr(f["sbase"] * 2, 2)
  soff = G.sgpr(f["soffset"]).astype(np.uint64) if f["soffset"] != NULL else np.uint64(0)
  addr = (base + soff + np.uint64(off & ((1 << 64) - 1))) & np.uint64((1 << 64) - 1)
  size, sign, _ = (4 * n, False, None) if name[-3:] in ("b32", "b64", "b96") or name[-4:] in ("b128", "b256", "b512") \
    else access_kind(name)
  data = mem.load(addr.astype(np.uint64), size, op.inst.text)
  if size < 4:
    v = data.astype(np.uint32)
    val = v[:, 0] | (v[:, 1] << np.uint32(8) if size == 2 else np.uint32(0))
    if sign: val = val.astype(np.int64); val = np.where(val >> (8 * size - 1) & 1, val - (1 << 8 * size), val)
    G.write_sgpr(f["sdata"], (np.asarray(val) & 0xFFFFFFFF).astype(np.uint32)); return
  d = _bytes_to_dwords(data)
  for k in range(size // 4): G.write_sgpr(f["sdata"] + k, d[:, k])

# ---------------------------------------------------------------------------------------------------- vector memory

ATOMIC = {   # old, data[, cmp] -> new; types from the name's suffix
  "add": lambda o, d: o + d, "sub": lambda o, d: o - d, "swap": lambda o, d: d,
  "and": lambda o, d: o & d, "or": lambda o, d: o | d, "xor": lambda o, d: o ^ d,
  "min": lambda o, d: np.minimum(o, d), "max": lambda o, d: np.maximum(o, d),
  "min_num": lambda o, d: np.fmin(o, d), "max_num": lambda o, d: np.fmax(o, d),
  "inc": lambda o, d: np.where(o >= d, 0, o + 1).astype(o.dtype),
  "dec": lambda o, d: np.where((o == 0) | (o > d), d, o - 1).astype(o.dtype),
  "csub": lambda o, d: np.where(o >= d, o - d, 0).astype(o.dtype),
}


def _atomic_parts(name: str) -> tuple[str, str]:
  body = name.split("atomic_", 1)[1] if "atomic_" in name else name[3:]
  body = body.replace("_rtn", "")
  op, _, t = body.rpartition("_")
  return op, t


def apply_atomic(name: str, old_bits: np.ndarray, data_bits: np.ndarray, cmp_bits: np.ndarray | None):
  """One lane's atomic on raw bits (uint32 or uint64 scalar arrays) -> new bits."""
  op, t = _atomic_parts(name)
  if op in ("cmpswap", "cmpstore", "cmpst"): return np.where(old_bits == cmp_bits, data_bits, old_bits)
  if op.startswith("pk_add"):
    ht = "bf16" if t == "bf16" else "f16"
    lo = _pk_add(old_bits, data_bits, ht, False); hi = _pk_add(old_bits, data_bits, ht, True)
    return lo | hi << np.uint32(16)
  fn = ATOMIC.get(op) or ATOMIC.get(op.replace("storexchg", "swap").replace("wrxchg", "swap"))
  if fn is None: raise Unsupported(f"atomic {name}")
  tt = {"u32": "u32", "i32": "i32", "b32": "u32", "u64": "u64", "i64": "i64", "b64": "u64", "f32": "f32",
        "f64": "f64"}.get(t, "u32")
  return raw_bits(fn(typed(old_bits, tt), typed(data_bits, tt)), tt)


def _pk_add(a, b, t, hi):
  from emu import fp
  x, y = typed(a, "u16" if t == "bf16" else t, hi), typed(b, "u16" if t == "bf16" else t, hi)
  if t == "bf16": r = fp.f32_to_bf16(fp.bf16_to_f32(x) + fp.bf16_to_f32(y)).astype(np.uint32)
  else: r = raw_bits(x + y, "f16").astype(np.uint32)
  return r


class Space:
  """Where vector memory goes: global heap, the LDS of each wave's workgroup, or per-lane scratch.
  load(addr, size, wave, lane) -> (n, size) bytes and store(addr, bytes, wave, lane), wave being the row in the group."""
  def __init__(self, load, store): self.load, self.store = load, store


def _lane_atomics(op: Op, G: Group, space: Space, addr: np.ndarray, mask: np.ndarray, data, cmp, size: int):
  """Atomics lane by lane, in order: each sees the previous lane's result."""
  old_out = np.zeros(mask.shape + (size // 4,), np.uint32)
  dt = np.uint64 if size == 8 else np.uint32
  for w, l in zip(*np.nonzero(mask)):
    a = addr[w, l]
    ob = space.load(np.array([a]), size, np.array([w]), np.array([l]))
    old = _bytes_to_dwords(ob)[0]
    o = np.array(old[0] | (old[1].astype(np.uint64) << np.uint64(32)) if size == 8 else old[0], dt)
    d = np.array(data[w, l], dt)
    c = np.array(cmp[w, l], dt) if cmp is not None else None
    new = np.asarray(apply_atomic(op.name, o, d, c)).astype(dt)
    nb = np.array([new & 0xFFFFFFFF, new >> 32] if size == 8 else [new], np.uint32)
    space.store(np.array([a]), _dwords_to_bytes(nb)[None], np.array([w]), np.array([l]))
    old_out[w, l] = old
  return old_out


def _read_data(G: Group, reg: int, n: int) -> np.ndarray:
  """n consecutive VGPRs from reg as (g, L, n) uint32."""
  return np.stack([np.broadcast_to(G.vgpr(reg + k), G.exec.shape) for k in range(n)], -1)


def _write_loaded(G: Group, reg: int, data: np.ndarray, size: int, sign: bool, d16: str | None, mask: np.ndarray):
  """Bytes (g, L, size) loaded -> VGPRs from reg, extended or merged into a half as the load says."""
  if size >= 4:
    d = _bytes_to_dwords(data)
    for k in range(size // 4): G.write_vgpr(reg + k, d[..., k], 1, mask)
    return
  v = data[..., 0].astype(np.int64) | (data[..., 1].astype(np.int64) << 8 if size == 2 else 0)
  if sign: v = np.where(v >> (8 * size - 1) & 1, v - (1 << 8 * size), v)
  if d16 is None: G.write_vgpr(reg, (v & 0xFFFFFFFF).astype(np.uint32), 1, mask); return
  h = (v & 0xFFFF).astype(np.uint32)
  old = G.vgpr(reg)
  new = (old & np.uint32(0xFFFF)) | (h << np.uint32(16)) if d16 == "hi" else (old & np.uint32(0xFFFF0000)) | h
  G.write_vgpr(reg, new, 1, mask)


def _store_bytes(G: Group, reg: int, size: int, d16: str | None) -> np.ndarray:
  n = max(size // 4, 1)
  d = _read_data(G, reg, n)
  if d16 == "hi": d = d >> np.uint32(16)
  b = _dwords_to_bytes(d)
  return b[..., :size]


def _transpose8(data: np.ndarray, esize: int) -> np.ndarray:
  """gfx12 global_load_tr_b128 / _b64 (loads for WMMA operands): within each group of 8 lanes, lane j gets element
  j of the 8 rows of 8 elements (16-bit for b128, 8-bit for b64) the group's lanes address. HW?: b128 as public
  notes measured on gfx1201; b64 by analogy (8 one-byte elements a lane, as AMD's composable_kernel uses it)."""
  g, L, size = data.shape
  d = data.reshape(g, L // 8, 8, 8, esize)
  return np.ascontiguousarray(np.swapaxes(d, 2, 3)).reshape(g, L, size)


def _by_aperture(ctx, G: Group, what: str) -> Space:
  """A flat access whose lanes go to different places (a generic pointer that is LDS in some lanes, global in
  others): each lane's address picks its space, by its high word as the single-space cases do."""
  local = {SHARED_HI: ctx.lds_space(G, what), PRIVATE_HI: ctx.scratch_space(G, what)}
  glob = ctx.global_space(G, what)
  def parts(a):
    a = np.asarray(a, np.int64)
    hi = (a >> 32) & 0xFFFFFFFF
    for k, sp in local.items(): yield sp, hi == k, a & 0xFFFFFFFF
    yield glob, ~np.isin(hi, list(local)), a
  def load(a, n, w, l):
    w, l = np.asarray(w), np.asarray(l)
    out = np.zeros(np.shape(a) + (n,), np.uint8)
    for sp, m, aa in parts(a):
      if m.any(): out[m] = sp.load(aa[m], n, w[m], l[m])
    return out
  def store(a, b, w, l):
    w, l = np.asarray(w), np.asarray(l)
    for sp, m, aa in parts(a):
      if m.any(): sp.store(aa[m], b[m], w[m], l[m])
  return Space(load, store)


def run_vmem(op: Op, G: Group, ctx):
  """global_*, flat_*, scratch_*, buffer_* for the group."""
  name, f = op.name, op.f
  if name in ("buffer_gl0_inv", "buffer_gl1_inv", "buffer_wbinvl1", "global_inv", "global_wb", "global_wbinv"): return
  enc = op.enc
  mask = G.exec
  what = f"{op.inst.text}"
  sign, d16 = False, None
  atomic = "atomic" in name
  off = f.get("offset", 0)
  if enc == "MUBUF":
    off = off if ctx.gfx12 else off & 0xFFF
    if ctx.gfx12 and off >> 23 & 1: off -= 1 << 24
  else:
    bits = 24 if ctx.gfx12 else 13
    if off >> (bits - 1) & 1: off -= 1 << bits
  if enc == "GLOBAL":
    sa = f["saddr"]
    if sa != NULL and sa != 0x7F:
      addr = G.sgpr(sa, 2)[:, None] + np.broadcast_to(G.vgpr(f["addr"]), mask.shape).astype(np.uint64)
    else: addr = np.broadcast_to(G.vgpr(f["addr"], 2), mask.shape)
    addr = addr.astype(np.int64) + off
    space = ctx.global_space(G, what)
  elif enc == "FLAT":
    addr = np.broadcast_to(G.vgpr(f["addr"], 2), mask.shape).astype(np.int64) + off
    hi = (addr >> 32) & 0xFFFFFFFF
    active = hi[mask]
    kinds = {int(x) for x in np.unique(active)} if active.size else set()
    if kinds <= {SHARED_HI}: addr, space = addr & 0xFFFFFFFF, ctx.lds_space(G, what)
    elif kinds <= {PRIVATE_HI}: addr, space = addr & 0xFFFFFFFF, ctx.scratch_space(G, what)
    elif kinds & {SHARED_HI, PRIVATE_HI}: space = _by_aperture(ctx, G, what)   # lanes in different apertures
    else: space = ctx.global_space(G, what)
  elif enc == "SCRATCH":
    a = np.zeros(mask.shape, np.int64)
    if f.get("sve", 0): a = a + np.broadcast_to(G.vgpr(f["addr"]), mask.shape).astype(np.int64)
    if f["saddr"] not in (NULL, 0x7F): a = a + G.sgpr(f["saddr"]).astype(np.int64)[:, None]
    addr, space = a + off, ctx.scratch_space(G, what)
  else:   # MUBUF: raw buffer over a V# (base, stride, records); out-of-range loads read 0, stores are dropped
    rs = [G.sgpr(f["srsrc"] * (1 if ctx.gfx12 else 4) + k).astype(np.int64) for k in range(4)]
    base = rs[0] | (rs[1] & 0xFFFF) << 32
    stride = (rs[1] >> 16) & 0x3FFF
    records = rs[2]
    v = np.broadcast_to(G.vgpr(f["vaddr"]), mask.shape).astype(np.int64)
    vi = np.broadcast_to(G.vgpr(f["vaddr"] + 1), mask.shape).astype(np.int64) if f["idxen"] and f["offen"] else v
    so = f["soffset"]     # an SGPR, null, or (gfx11) an inline constant: LLVM writes a literal 0 as 128
    soff = 0 if so in (NULL, 0x7F) else (np.int64(constant(so, 1, "b32", None) & 0xFFFFFFFF) if so >= 128 else
                                         G.sgpr(so).astype(np.int64)[:, None])
    o = (v if f["offen"] and not f["idxen"] else (np.broadcast_to(G.vgpr(f["vaddr"] + 1), mask.shape).astype(np.int64)
                                                  if f["offen"] else 0)) + off + soff
    idx = vi if f["idxen"] else 0
    addr = base[:, None] + o + idx * stride[:, None]
    limit = np.where(stride[:, None] == 0, o < records[:, None], idx < records[:, None])
    mask = mask & limit
    space = ctx.global_space(G, what)
  addr = np.asarray(addr)
  if name.startswith(("global_load_lds", "buffer_load_lds")) or "_lds_" in name: raise Unsupported(name)
  if atomic:
    _, t = _atomic_parts(name)
    size = 8 if t.endswith("64") or t == "x2" else 4
    n = size // 4
    cmp = "cmpswap" in name
    data_reg = f["data"] if "data" in f else f["vdata"]
    dd = _read_data(G, data_reg, 2 * n if cmp else n)
    join = lambda x: x[..., 0].astype(np.uint64) | x[..., 1].astype(np.uint64) << np.uint64(32) if n == 2 else x[..., 0]
    data, cv = join(dd[..., :n]), (join(dd[..., n:]) if cmp else None)
    old = _lane_atomics(op, G, space, addr, mask, data, cv, size)
    if op.returns:
      dst = f["vdst"] if "vdst" in f else f["vdata"]
      for k in range(n): G.write_vgpr(dst + k, old[..., k], 1, mask)
    return
  size, sign, d16 = access_kind(name)
  if "load" in name:
    data = np.zeros(mask.shape + (size,), np.uint8)
    if mask.any(): data[mask] = space.load(addr[mask], size, *np.nonzero(mask))
    dst = f["vdst"] if "vdst" in f else f["vdata"]
    if "load_tr" in name: data = _transpose8(data, 1 if size == 8 else 2)
    _write_loaded(G, dst, data, size, sign, d16, G.exec)   # (buffer: lanes out of range read 0)
  elif "store" in name:
    src = f["data"] if "data" in f else f["vdata"]
    b = _store_bytes(G, src, size, d16)
    if mask.any(): space.store(addr[mask], b[mask], *np.nonzero(mask))
  else: raise Unsupported(f"no semantics for {name}")

# ---------------------------------------------------------------------------------------------------- LDS

def run_ds(op: Op, G: Group, ctx):
  name, f = op.name, op.f
  mask = G.exec
  what = op.inst.text
  space = ctx.lds_space(G, what)
  off = f["offset0"] | f["offset1"] << 8
  if name in ("ds_nop",): return
  if name.startswith("ds_gws_"): return _gws(op, G, ctx)
  if name in ("ds_bpermute_b32", "ds_permute_b32", "ds_swizzle_b32", "ds_bpermute_fi_b32"): return _cross_lane(op, G, ctx.gfx12)
  if name in ("ds_append", "ds_consume"):
    base = (G.w.S[G.idx, M0].astype(np.int64) & 0xFFFF) + off
    cnt = mask.sum(1).astype(np.int64)
    olds = np.zeros(G.g, np.uint32)
    for w in range(G.g):
      if not cnt[w]: continue
      at = (np.array([base[w]]), 4, np.array([w]), np.array([0]))
      old = _bytes_to_dwords(space.load(*at))[0, 0]
      new = (int(old) + (cnt[w] if name == "ds_append" else -cnt[w])) & 0xFFFFFFFF
      space.store(at[0], _dwords_to_bytes(np.array([[new]], np.uint32)), *at[2:])
      olds[w] = old
    G.write_vgpr(f["vdst"], np.broadcast_to(olds[:, None], mask.shape)); return
  addr = np.broadcast_to(G.vgpr(f["addr"]), mask.shape).astype(np.int64)
  if "2addr" in name:
    size, _, _ = access_kind(name)
    scale = size * (64 if "stride64" in name else 1)
    a0, a1 = (addr + f["offset0"] * scale) & 0xFFFFFFFF, (addr + f["offset1"] * scale) & 0xFFFFFFFF
    if "load" in name:
      for k, a in enumerate((a0, a1)):
        data = np.zeros(mask.shape + (size,), np.uint8)
        if mask.any(): data[mask] = space.load(a[mask], size, *np.nonzero(mask))
        _write_loaded(G, f["vdst"] + k * size // 4, data, size, False, None, mask)
      return
    if "store" in name and "xchg" not in name:
      for a, reg in ((a0, f["data0"]), (a1, f["data1"])):
        b = _store_bytes(G, reg, size, None)
        if mask.any(): space.store(a[mask], b[mask], *np.nonzero(mask))
      return
    raise Unsupported(f"no semantics for {name}")
  addr = (addr + off) & 0xFFFFFFFF          # a 32-bit sum: compilers fold `-x + k` into a negative VGPR and an offset
  if name.startswith(("ds_load", "ds_read")):
    size, sign, d16 = access_kind(name.replace("_d16", "_d16"))
    data = np.zeros(mask.shape + (size,), np.uint8)
    if mask.any(): data[mask] = space.load(addr[mask], size, *np.nonzero(mask))
    _write_loaded(G, f["vdst"], data, size, sign, d16, mask); return
  if name.startswith(("ds_store", "ds_write")) and "xchg" not in name:
    size, _, d16 = access_kind(name)
    b = _store_bytes(G, f["data0"], size, d16)
    if mask.any(): space.store(addr[mask], b[mask], *np.nonzero(mask))
    return
  # atomics (with or without _rtn)
  _, t = _atomic_parts(name)
  size = 8 if t.endswith("64") else 4
  n = size // 4
  join = lambda x: x[..., 0].astype(np.uint64) | x[..., 1].astype(np.uint64) << np.uint64(32) if n == 2 else x[..., 0]
  data = join(_read_data(G, f["data0"], n))
  cmp = join(_read_data(G, f["data1"], n)) if "cmpst" in name else None   # gfx11+: data0 is stored where memory equals data1
  old = _lane_atomics(op, G, space, addr, mask, data, cmp, size)
  if "_rtn" in name or name.startswith("ds_storexchg") or name.startswith("ds_wrxchg"):
    for k in range(n): G.write_vgpr(f["vdst"] + k, old[..., k], 1, mask)


def _swizzle_lanes(off: int, lanes: int) -> np.ndarray:
  """The lane each lane of ds_swizzle_b32 reads, by the ISA pseudocode (RDNA3/3.5 guides): every mode works
  within each group of 32 lanes."""
  i = np.arange(lanes)
  if off >= 0xE000:        # FFT decomposition (HW?: reverse_bits read as a 5-bit reversal; untested by the corpus)
    mask = off & 31
    rev = brev32((i & 31).astype(np.uint32)).astype(np.int64) >> 27
    j = (rev >> bin(mask).count("1")) | (i & mask)
  elif off >= 0xC000:      # rotate; HW?: the pseudocode's `~mask` taken as 5 bits (the lane within its 32)
    rot, mask = (off >> 5) & 31, off & 31
    if off >> 10 & 1: rot = -rot
    j = (i & mask) | ((i + rot) & ~mask & 31)
  elif off & 0x8000:       # quad permute
    j = (i & 28) + np.array([(off >> (2 * k)) & 3 for k in range(4)])[i & 3]
  else:                    # bit masks
    j = (((i & 31) & (off & 31)) | ((off >> 5) & 31)) ^ ((off >> 10) & 31)
  return j | (i & 32)


def _gws(op: Op, G: Group, ctx):
  """Global wave sync (gfx11; gone in gfx12): counters shared by the whole dispatch, resource M0[21:16] + offset.
  ds_gws_init sets a barrier to release when data + 1 waves arrive; the semaphores count up (v: 1, br: data) and
  ds_gws_sema_p takes one. Modelled for waves that never wait (a barrier every wave of the dispatch reaches at this
  step, a semaphore already above 0); anything that would block says so instead of guessing an order."""
  f, name = op.f, op.name
  gws = ctx.__dict__.setdefault("gws", {})
  m0 = G.w.S[G.idx, M0].astype(np.int64)
  res = int((m0[0] >> 16) & 0x3F) + f["offset0"] if G.g else 0
  first = np.argmax(G.exec, 1)
  # the data VGPR (init / bulk release) is encoded in the ADDR field (LLVM's DS_GWS encoding)
  data = int(np.broadcast_to(G.vgpr(f["addr"]), G.exec.shape)[0, first[0]]) if name in ("ds_gws_init", "ds_gws_sema_br") and G.g else 0
  if name == "ds_gws_init": gws[("bar", res)] = data
  elif name == "ds_gws_barrier":
    need = gws.get(("bar", res), 0) + 1
    if G.g != need or G.g != G.w.n: raise Unsupported(f"{name}: a GWS barrier for {need} waves reached by {G.g} at once")
  elif name in ("ds_gws_sema_v", "ds_gws_sema_br"): gws[("sem", res)] = gws.get(("sem", res), 0) + (data if name.endswith("br") else 1) * G.g
  elif name == "ds_gws_sema_p":
    if gws.get(("sem", res), 0) < G.g: raise Unsupported(f"{name}: the semaphore would make a wave wait")
    gws[("sem", res)] -= G.g
  else: raise Unsupported(f"no semantics for {name}")


def _cross_lane(op: Op, G: Group, gfx12: bool):
  f, name = op.f, op.name
  lanes = G.w.lanes
  lane = np.arange(lanes)
  off = f["offset0"] | f["offset1"] << 8
  if name == "ds_swizzle_b32":
    data = np.broadcast_to(G.vgpr(f["addr"]), G.exec.shape)      # the data is the ADDR operand
    src = _swizzle_lanes(off, lanes)
    G.write_vgpr(f["vdst"], np.where(G.exec[:, src], data[:, src], np.uint32(0))); return   # inactive lanes read 0
  addr = np.broadcast_to(G.vgpr(f["addr"]), G.exec.shape).astype(np.int64) + off
  data = np.broadcast_to(G.vgpr(f["data0"]), G.exec.shape)
  # the ISA: lane = (addr / 4) mod 32 "regardless of wave size": a gfx11 wave64 permutes within each half (Mesa
  # emulates a full-wave bpermute there); gfx12 permutes across the whole wave (Mesa: "GFX12+: works normally")
  sel = (addr >> 2) % lanes if gfx12 else (lane & 32) | ((addr >> 2) & 31)
  if name.startswith("ds_bpermute"):
    # reads another lane's data; a lane not in exec gives 0 (the _fi form fetches inactive lanes too)
    val = np.take_along_axis(data, sel, 1)
    if name != "ds_bpermute_fi_b32": val = np.where(np.take_along_axis(G.exec, sel, 1), val, np.uint32(0))
    G.write_vgpr(f["vdst"], val); return
  out = np.zeros(G.exec.shape, np.uint32)
  rows = np.arange(G.g)[:, None].repeat(lanes, 1)
  m = G.exec
  out[rows[m], sel[m]] = data[m]            # forward permute: the highest lane writing a lane wins
  G.write_vgpr(f["vdst"], out)
