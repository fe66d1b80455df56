/* The price tests on the device: gouging.js (the same tests, numbers and sentences as the server) run on what the
   officer types, with the rules and the words of the offline bundle's `gouging`. Loaded on its own, so that the
   rest of the app works even if it could not be. */
let gouging = null;
export const loaded = import('./gouging.js').then((module) => { gouging = module; return true; }).catch(() => false);

/* The findings for the facts (checks.observationFacts), each flag with `shown`, its sentence in the reader's
   language; null when they cannot be computed (no valid price yet, no bundle rules, the module missing). */
export function evaluateFlags(bundle, facts) {
  const kit = bundle && bundle.gouging;
  if (!gouging || !kit || !facts.price) return null;
  try {
    const result = gouging.evaluate(facts, kit.rules, kit.rulebook);
    result.flags = result.flags.map((flag) => ({ ...flag, shown: gouging.explain(flag, kit) }));
    return result;
  } catch (error) {
    return null;
  }
}
