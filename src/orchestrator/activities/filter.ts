/** Filter: the `items` for which `condition` (evaluated with item() the current one) is true. Output as ADF's. */
import { invalid, type ControlHandler } from './control.js';
import { resolveExpressions } from '../../common/expressions.js';

export const filter: ControlHandler = async (c) => {
  const items = c.resolve(c.typeProperties.items);
  if (!Array.isArray(items)) throw invalid(c, 'items', `items must be an array, not ${items === null ? 'null' : typeof items}`);
  const kept = items.filter((item) => {
    const v = resolveExpressions(c.typeProperties.condition, { ...c.scope, item: { value: item } });
    if (typeof v !== 'boolean') throw invalid(c, 'condition', `the condition must give true or false, not ${JSON.stringify(v)}`, "e.g. @greater(item().rows, 0)");
    return v;
  });
  return { output: { ItemsCount: items.length, FilteredItemsCount: kept.length, Value: kept } };
};
