// The price tests of one observation (DOMAIN.md §6), as the server runs them: a port of tracker/domain/gouging.py.
// Same tests, same params (strings), same margin rates, lawful price and illegal gains, same rounding (exact
// fractions, rounded once, half up) and the same sentences. tests/vectors/gouging.json holds the shared cases:
// tests/js/gouging.test.mjs runs them here, tests/domain/test_gouging_vectors.py in Python.
//
// evaluate(facts, rules, rulebook): facts {price, marked_price, cost, baseline_price, baseline_cost, quantity_sold,
// fees, baseline_fees} as decimal strings (or null), {bundled, emergency_applies} booleans, baseline_date
// "YYYY-MM-DD" or null; rules and rulebook as the offline bundle's `gouging.rules` and `gouging.rulebook`.
// Answers {margin_rate, baseline_margin_rate, highest_lawful_price, estimated_illegal_gains} as decimal strings
// (or null), {flags: [{test, explanation, params}], flagged, rulebook}; the explanation is English, as stored.
// explain(flag, kit) renders a flag in the reader's language from the bundle's `gouging` (kit).
import Fraction from "../vendor/fraction/fraction.mjs";

export const GOUGING_TESTS = ["baseline_margin", "margin_cap", "cost_unchanged", "fees_raised", "bundling",
  "price_increase"];
export const MARKING_TESTS = ["unmarked_price", "above_marked_price"];
const NUMBERS = ["price", "marked_price", "cost", "baseline_price", "baseline_cost", "quantity_sold", "fees",
  "baseline_fees"];
const ZERO = new Fraction(0);
const ONE = new Fraction(1);

// ------------------------------------------------------------------------------------------ exact numbers
// A decimal keeps its digits as Python's Decimal does ({neg, coef, exp}: "3.50" is 350e-2), for format_money.

const DECIMAL = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d{1,4}))?$/;

function decimal(value) {
  if (typeof value === "number" && Number.isSafeInteger(value)) value = String(value);
  const match = typeof value === "string" ? DECIMAL.exec(value.trim()) : null;
  if (!match) throw new RangeError(`${JSON.stringify(value)} is not an exact number: give a decimal string`);
  const [, sign, whole, part = "", fraction, exp = "0"] = match;
  const digits = whole === undefined ? fraction : whole + part;
  const exponent = Number(exp) - (whole === undefined ? fraction : part).length;
  const coef = BigInt(digits);
  const signed = sign === "-" ? -coef : coef;
  const q = exponent >= 0 ? new Fraction(signed * 10n ** BigInt(exponent), 1n)
    : new Fraction(signed, 10n ** BigInt(-exponent));
  return { neg: sign === "-", coef, exp: exponent, q };
}

function optional(value, fallback) {
  if (value === undefined) value = fallback;
  return value === null || value === undefined ? null : decimal(value).q;
}

function units(x, places) {
  // round_half_up in tracker/domain/money.py: floor(|x| * 10^places + 1/2), with x's sign.
  const scale = 10n ** BigInt(places);
  const n = (2n * x.n * scale + x.d) / (2n * x.d);
  return x.s < 0n ? -n : n;
}

function fixed(count, places) {
  // Units of 10^-places as Decimal's str(): "0.0000", "-0.0300", "2060.00" (a zero is never negative).
  const digits = (count < 0n ? -count : count).toString().padStart(places + 1, "0");
  return (count < 0n ? "-" : "") + digits.slice(0, -places) + "." + digits.slice(-places);
}

const roundRate = (x) => fixed(units(x, 4), 4);
const roundMoney = (x) => fixed(units(x, 2), 2);

/** A rate as a percentage with at most 2 decimals, trailing zeros stripped: 1.9167 -> "191.67", 0.2 -> "20". */
export function formatPercent(rate) {
  const count = units(rate instanceof Fraction ? rate : decimal(rate).q, 4);
  if (count === 0n) return "0";
  const size = count < 0n ? -count : count;
  const cents = (size % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return (count < 0n ? "-" : "") + (size / 100n).toString() + (cents ? "." + cents : "");
}

/** An amount with 2 decimals, or its exact digits when it has more: "3.5" -> "3.50", "3.505" -> "3.505". */
export function formatMoney(amount) {
  const d = typeof amount === "object" && "coef" in amount ? amount : decimal(amount);
  const sign = d.neg ? "-" : "";
  const cents = d.q.mul(100);
  if (cents.d === 1n) return sign + fixed(cents.n, 2);
  const digits = d.coef.toString().padStart(1 - d.exp, "0");  // exp < 0 here: an integer has whole cents
  return sign + digits.slice(0, d.exp) + "." + digits.slice(d.exp);
}

function exactMargin(price, cost) {
  if (price === null || cost === null || cost.q.equals(0)) return null;
  return price.q.sub(cost.q).div(cost.q);
}

/** Margin rate on cost (price - cost) / cost to 4 places, or null when the cost is missing or zero. */
export function marginRate(price, cost) {
  const exact = exactMargin(price == null ? null : decimal(price), cost == null ? null : decimal(cost));
  return exact === null ? null : roundRate(exact);
}

// ------------------------------------------------------------------------------------------ explanations
// Each sentence is built from a flag's params alone (as gouging.py's _explain_*), then filled in the reader's
// language from the bundle's messages (msgid -> translation): a date in the locale's pattern, the rest as given.

function need(p, name) {
  if (!(name in p)) throw new RangeError(`no ${name}`);
  return String(p[name]);
}

function day(p) {
  const value = p.baseline_date || "";
  if (!value) return null;
  const match = typeof value === "string" && /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const [y, m, d] = match ? match.slice(1).map(Number) : [];
  const check = match && new Date(Date.UTC(2000, m - 1, d));
  if (!check || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d || y < 1) throw new RangeError("no date");
  return { y, m, d };
}

const EXPLAIN = {
  baseline_margin(p) {
    const f = { margin: need(p, "margin_pct"), baseline: need(p, "baseline_margin_pct") };
    const date = day(p);
    const tolerance = "tolerance_pct" in p ? String(p.tolerance_pct) : "0";
    if (tolerance !== "0") {
      if (date) {
        return ["margin %(margin)s%% on cost against %(baseline)s%% on %(date)s (tolerance %(tolerance)s%%)",
          { date, tolerance, ...f }];
      }
      return ["margin %(margin)s%% on cost against %(baseline)s%% at the baseline (tolerance %(tolerance)s%%)",
        { tolerance, ...f }];
    }
    if (date) return ["margin %(margin)s%% on cost against %(baseline)s%% on %(date)s", { date, ...f }];
    return ["margin %(margin)s%% on cost against %(baseline)s%% at the baseline", f];
  },
  margin_cap: (p) => ["margin %(margin)s%% on cost is above the %(cap)s%% cap (no baseline transaction)",
    { margin: need(p, "margin_pct"), cap: need(p, "cap_pct") }],
  cost_unchanged(p) {
    const f = { cost: need(p, "cost_change_pct"), price: need(p, "price_change_pct") };
    const date = day(p);
    if (date) return ["cost moved %(cost)s%% while price rose %(price)s%% against the baseline on %(date)s",
      { date, ...f }];
    return ["cost moved %(cost)s%% while price rose %(price)s%% against the baseline", f];
  },
  fees_raised(p) {
    const f = { fees: need(p, "fees"), baseline_fees: need(p, "baseline_fees") };
    const date = day(p);
    if (date) return ["fees of %(fees)s per unit against %(baseline_fees)s on %(date)s", { date, ...f }];
    return ["fees of %(fees)s per unit against %(baseline_fees)s at the baseline", f];
  },
  bundling: () => ["sold only in a forced bundle", {}],
  price_increase(p) {
    const f = { price: need(p, "price"), reference: need(p, "reference"), increase: need(p, "increase_pct"),
      limit: need(p, "limit_pct") };
    const basis = need(p, "basis");
    const date = day(p);
    if (basis === "cost") {
      return ["price %(price)s is %(increase)s%% above the cost %(reference)s (no baseline price), "
        + "over the %(limit)s%% limit", f];
    }
    if (basis !== "baseline") throw new RangeError(`unknown basis ${basis}`);
    if (date) {
      return ["price %(price)s is %(increase)s%% above the baseline price %(reference)s on %(date)s, "
        + "over the %(limit)s%% limit", { date, ...f }];
    }
    return ["price %(price)s is %(increase)s%% above the baseline price %(reference)s at the baseline, "
      + "over the %(limit)s%% limit", f];
  },
  unmarked_price: () => ["no marked price", {}],
  above_marked_price: (p) => ["price %(price)s is above the marked price %(marked_price)s",
    { price: need(p, "price"), marked_price: need(p, "marked_price") }],
};

/** The msgids of the sentences (the bundle's `gouging.messages` translates each). */
export const MESSAGE_IDS = Object.freeze([...new Set(Object.values(EXPLAIN).flatMap((build) => {
  const any = { margin_pct: "1", baseline_margin_pct: "1", tolerance_pct: "0", cap_pct: "1", cost_change_pct: "1",
    price_change_pct: "1", fees: "1", baseline_fees: "1", price: "1", reference: "1", increase_pct: "1",
    limit_pct: "1", marked_price: "1", basis: "baseline", baseline_date: "" };
  const date = { baseline_date: "2020-01-19" };
  return [{}, date, { basis: "cost" }, { tolerance_pct: "5" }, { tolerance_pct: "5", ...date }]
    .map((variant) => build({ ...any, ...variant })[0]);
}))]);

// A date pattern of CLDR (babel's format_date): y, M (numbers, or month names from the kit), d; 'quoted' text.
function formatDay(date, pattern, kit) {
  let out = "";
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      let j = i + 1;
      for (; j < pattern.length; j++) {
        if (pattern[j] === "'" && pattern[j + 1] === "'") out += pattern[++j];
        else if (pattern[j] === "'") break;
        else out += pattern[j];
      }
      if (j === i + 1 && pattern[j] === "'") out += "'";
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      out += dateField(c, j - i, date, kit);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function dateField(letter, size, date, kit) {
  const pad = (n) => String(n).padStart(size, "0");
  if (letter === "y") return size === 2 ? pad(date.y).slice(-2) : pad(date.y);
  if (letter === "d") return pad(date.d);
  if (letter === "M" && size <= 2) return pad(date.m);
  const names = letter === "M" && kit.months && kit.months[["abbreviated", "wide", "narrow"][size - 3]];
  if (!names) throw new RangeError(`date pattern letter ${letter.repeat(size)} not supported`);
  return names[date.m - 1];
}

function fill(template, values, locale, kit) {
  // Python's `template % params`: %(name)s and %%; anything else fails (and the sentence stays English).
  if (!Object.keys(values).length) return template;
  return template.replace(/%(?:\(([^)]*)\)s|(%)|[\s\S]?)/g, (spec, name, percent) => {
    if (percent) return "%";
    if (name === undefined || !(name in values)) throw new RangeError(`bad placeholder ${spec}`);
    const value = values[name];
    if (typeof value === "string") return value;
    return formatDay(value, locale ? datePattern(kit) : "yyyy-MM-dd", kit);
  });
}

function datePattern(kit) {
  if (!kit.date_pattern) throw new RangeError("the kit has no date pattern");
  return kit.date_pattern;
}

const language = (locale) => String(locale).replace("-", "_").split("_")[0];

/** A flag's sentence from its test and params, in the kit's language (English without a kit); null when the
 * test is unknown or the params do not make a sentence. */
export function explanation(test, params, kit = null) {
  const build = Object.hasOwn(EXPLAIN, test) ? EXPLAIN[test] : null;
  if (!build || !params || typeof params !== "object") return null;
  let msgid, values, english;
  try {
    [msgid, values] = build(params);
    english = fill(msgid, values, null, kit);
  } catch {
    return null;
  }
  const locale = (kit && kit.locale) || "en";
  if (language(locale) === "en") return english;
  const messages = kit.messages || {};
  try {
    return fill(Object.hasOwn(messages, msgid) ? String(messages[msgid]) : msgid, values, locale, kit);
  } catch {
    return english;  // a translation whose placeholders do not match
  }
}

/** A stored flag ({test, explanation, params}) in the kit's language, else its stored text. */
export function explain(flag, kit = null) {
  return explanation(String(flag.test), flag.params, kit) ?? String(flag.explanation || "");
}

// ------------------------------------------------------------------------------------------ the tests

function readFacts(facts) {
  const read = {};
  for (const name of NUMBERS) {
    const value = facts[name];
    if (value === null || value === undefined) {
      if (name === "price") throw new RangeError("price: a price is required");
      read[name] = null;
      continue;
    }
    let number;
    try {
      number = decimal(value);
    } catch (error) {
      throw new RangeError(`${name}: ${error.message}`);
    }
    if (number.q.compare(0) < 0 || (name === "price" && number.q.equals(0))) {
      throw new RangeError(`${name} must be ${name === "price" ? "greater than zero" : "zero or more"}`);
    }
    read[name] = number;
  }
  read.bundled = Boolean(facts.bundled);
  read.emergency_applies = Boolean(facts.emergency_applies);
  read.baseline_date = facts.baseline_date ? String(facts.baseline_date) : "";
  if (read.baseline_date) day(read);
  return read;
}

function readRules(rules) {
  return {
    enabled: new Set(rules.enabled || []),
    baseline_tolerance: optional(rules.baseline_tolerance, "0"),
    margin_cap: optional(rules.margin_cap, "0.35"),
    cost_epsilon: optional(rules.cost_epsilon, "0.05"),
    price_rise: optional(rules.price_rise, "0.10"),
    price_increase_limit: optional(rules.price_increase_limit, null),
    new_goods_cost_limit: optional(rules.new_goods_cost_limit, null),
  };
}

function flag(ev, test, params = {}) {
  ev.flags.push({ test, explanation: explanation(test, params), params });
}

const TESTS = {
  baseline_margin(ev) {
    if (ev.margin === null || ev.baseline === null) return;
    const allowed = ev.baseline.add(ev.rules.baseline_tolerance);
    ev.ceilings.push(ev.facts.cost.q.mul(ONE.add(allowed)));
    if (ev.margin.compare(allowed) > 0) {
      flag(ev, "baseline_margin", {
        margin_pct: formatPercent(ev.margin),
        baseline_margin_pct: formatPercent(ev.baseline),
        tolerance_pct: formatPercent(ev.rules.baseline_tolerance),
        baseline_date: ev.facts.baseline_date,
      });
    }
  },
  margin_cap(ev) {
    const cap = ev.rules.margin_cap;
    if (ev.margin === null || ev.baseline !== null || cap === null) return;
    ev.ceilings.push(ev.facts.cost.q.mul(ONE.add(cap)));
    if (ev.margin.compare(cap) > 0) {
      flag(ev, "margin_cap", { margin_pct: formatPercent(ev.margin), cap_pct: formatPercent(cap) });
    }
  },
  cost_unchanged(ev) {
    const { facts, rules } = ev;
    const cost = exactMargin(facts.cost, facts.baseline_cost);
    const price = exactMargin(facts.price, facts.baseline_price);
    if (cost === null || price === null) return;
    if (cost.abs().compare(rules.cost_epsilon) <= 0 && price.compare(rules.price_rise) >= 0) {
      flag(ev, "cost_unchanged", {
        cost_change_pct: formatPercent(cost),
        price_change_pct: formatPercent(price),
        baseline_date: facts.baseline_date,
      });
    }
  },
  fees_raised(ev) {
    // Missing baseline fees count as none only when a baseline price is known.
    const { facts } = ev;
    if (facts.fees === null) return;
    let baseline = facts.baseline_fees;
    if (baseline === null && facts.baseline_price !== null) baseline = decimal("0");
    if (baseline !== null && facts.fees.q.compare(baseline.q) > 0) {
      flag(ev, "fees_raised", {
        fees: formatMoney(facts.fees),
        baseline_fees: formatMoney(baseline),
        baseline_date: facts.baseline_date,
      });
    }
  },
  bundling(ev) {
    if (ev.facts.bundled) flag(ev, "bundling");
  },
  price_increase(ev) {
    const { facts, rules } = ev;
    let limit, reference, basis;
    if (facts.baseline_price !== null && facts.baseline_price.q.compare(0) > 0 && rules.price_increase_limit !== null) {
      [limit, reference, basis] = [rules.price_increase_limit, facts.baseline_price, "baseline"];
    } else if (facts.cost !== null && facts.cost.q.compare(0) > 0 && rules.new_goods_cost_limit !== null) {
      [limit, reference, basis] = [rules.new_goods_cost_limit, facts.cost, "cost"];
    } else {
      return;
    }
    const ceiling = reference.q.mul(ONE.add(limit));
    ev.ceilings.push(ceiling);
    if (facts.price.q.compare(ceiling) > 0) {
      flag(ev, "price_increase", {
        price: formatMoney(facts.price),
        reference: formatMoney(reference),
        increase_pct: formatPercent(exactMargin(facts.price, reference)),
        limit_pct: formatPercent(limit),
        basis,
        baseline_date: basis === "baseline" ? facts.baseline_date : "",
      });
    }
  },
};

function marking(ev) {
  const { facts } = ev;
  if (facts.marked_price === null) {
    flag(ev, "unmarked_price");
  } else if (facts.price.q.compare(facts.marked_price.q) > 0) {
    flag(ev, "above_marked_price", { price: formatMoney(facts.price), marked_price: formatMoney(facts.marked_price) });
  }
}

/** Run the rulebook's price tests on one observation and estimate the highest lawful price and illegal gains. */
export function evaluate(facts, rules, rulebook) {
  const read = readFacts(facts);
  const ev = {
    facts: read,
    rules: readRules(rules),
    margin: exactMargin(read.price, read.cost),
    baseline: exactMargin(read.baseline_price, read.baseline_cost),
    flags: [],
    ceilings: [],
  };
  if (read.emergency_applies) {
    for (const test of GOUGING_TESTS) if (ev.rules.enabled.has(test)) TESTS[test](ev);
  }
  marking(ev);
  // The strictest ceiling among the tests that set one.
  const highest = ev.ceilings.reduce((low, c) => (low === null || c.compare(low) < 0 ? c : low), null);
  let gains = null;
  if (highest !== null && read.quantity_sold !== null) {
    const over = read.price.q.sub(highest);
    gains = roundMoney((over.compare(0) > 0 ? over : ZERO).mul(read.quantity_sold.q));
  }
  return {
    margin_rate: ev.margin === null ? null : roundRate(ev.margin),
    baseline_margin_rate: ev.baseline === null ? null : roundRate(ev.baseline),
    flags: ev.flags,
    flagged: ev.flags.length > 0,
    highest_lawful_price: highest === null ? null : roundMoney(highest),
    estimated_illegal_gains: gains,
    rulebook,
  };
}
