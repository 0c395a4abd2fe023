// What the plan's list was showing — its filter and where it was scrolled — kept while the
// officer opens an activity and comes back.
import type { Filter } from "../bindings/Filter";

export const planView = $state<{ filter: Filter; scroll: number }>({
  filter: { unit_id: null, status: null, period: null, query: "" },
  scroll: 0,
});
