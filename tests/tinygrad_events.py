"""Build tinygrad-style profile pickles in code: stand-in event classes pickled under tinygrad's own module and
class names (as `VIZ=-1` writes them), so tests can make captures with any field values, hostile ones included,
without tinygrad and without opaque checked-in blobs."""
from __future__ import annotations
import io, pickle
from capture import Capture

class Event:
  """An event pickled as `module.Name` by reference; its fields are its instance dict (BUILD state)."""
  tinygrad_module = ""
  def __init__(self, **fields): self.__dict__.update(fields)

class ProfileDeviceEvent(Event): tinygrad_module = "tinygrad.device"
class ProfileProgramEvent(Event): tinygrad_module = "tinygrad.device"
class ProfileSQTTEvent(Event): tinygrad_module = "tinygrad.runtime.ops_amd"
class ProfileRangeEvent(Event): tinygrad_module = "tinygrad.device"

class _Pickler(pickle._Pickler):
  """The pure-Python pickler, naming Event classes by their tinygrad module instead of looking them up here."""
  def save_global(self, obj, name=None):
    if isinstance(obj, type) and issubclass(obj, Event):
      self.save(obj.tinygrad_module); self.save(obj.__name__); self.write(pickle.STACK_GLOBAL); self.memoize(obj)
    else: super().save_global(obj, name)

def dumps(events: list) -> bytes:
  f = io.BytesIO()
  _Pickler(f, protocol=4).dump(events)
  return f.getvalue()

def events_of(cap: Capture) -> list[Event]:
  """The events tinygrad would have written for a loaded capture (the fields this project reads)."""
  out: list[Event] = [ProfileDeviceEvent(device=d.name, props=dict(d.props)) for d in cap.devices]
  out += [ProfileProgramEvent(device=p.device, name=p.name, lib=p.lib, base=p.base, tag=p.tag) for p in cap.programs]
  out += [ProfileSQTTEvent(device=t.device, kern=t.kern_tag, se=t.se, blob=t.blob, itrace=t.itrace, exec_tag=t.exec_tag)
          for t in cap.traces]
  return out
