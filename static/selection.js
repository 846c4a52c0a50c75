// What the user has selected on the kernel page, shared by the graph, the table and the timeline:
// block (id), pc (an instruction), regs (registers to highlight), wait (a wait instruction whose loads
// are shown), listing (the linear listing shows instead of the graph), group (the instructions of a source line
// picked in the source view). Each view listens and shows the same selection; `source` names the view it came from, so
// that view need not scroll to what the user just clicked in it.
export function createSelection(initial = {}) {
  let state = {block: null, pc: null, regs: [], wait: null, listing: false, group: [], ...initial};
  const listeners = [];
  return {
    get: () => state,
    set(patch, source = null) {
      state = {...state, group: [], ...patch};     // group (a source line's instructions) lasts one selection
      for (const fn of listeners) fn(state, source);
    },
    listen(fn) { listeners.push(fn); },
  };
}
