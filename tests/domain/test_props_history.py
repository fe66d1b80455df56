"""Properties of the history hash chain (history.py): any single change to any event breaks verify_chain."""
from __future__ import annotations

import json

from hypothesis import assume, given
from hypothesis import strategies as st

from tracker.domain.history import GENESIS, HASHED_KEYS, link, verify_chain

# Text includes every Unicode category (RTL marks, combining marks, NUL, surrogates excluded by JSON).
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
STATES = ["clue", "investigating", "penalty_proposed", "decided", "closed"]


@st.composite
def events(draw):
    """One event's content, before linking."""
    return {
        "at": draw(st.datetimes().map(lambda d: d.isoformat())),
        "on": draw(st.dates().map(lambda d: d.isoformat())),
        "actor": draw(text),
        "role": draw(st.sampled_from(["officer", "supervisor"])),
        "action": draw(st.sampled_from(["open", "file", "decide", "record_payment"])),
        "from_state": draw(st.none() | st.sampled_from(STATES)),
        "to_state": draw(st.sampled_from(STATES)),
        "data": draw(st.dictionaries(text, json_values, max_size=4)),
        "reason": draw(st.none() | text),
    }


@st.composite
def chains(draw):
    """A correctly linked chain of 1-6 events."""
    items, prev = [], GENESIS
    for seq, content in enumerate(draw(st.lists(events(), min_size=1, max_size=6)), start=1):
        item = link({**content, "seq": seq}, prev)
        items.append(item)
        prev = item["hash"]
    return items


def same_json(a, b) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


@given(chains())
def test_a_linked_chain_verifies(chain):
    assert verify_chain(chain) == []


@given(chains(), st.data())
def test_any_single_change_in_any_event_breaks_the_chain(chain, data):
    """Replacing any one hashed field (or the stored hash) of any one event with a different value is detected."""
    index = data.draw(st.integers(0, len(chain) - 1), label="event")
    key = data.draw(st.sampled_from(HASHED_KEYS + ("hash",)), label="field")
    new = data.draw(json_values | st.integers(0, 10) | st.text("0123456789abcdef", min_size=64, max_size=64),
                    label="new value")
    assume(not same_json(new, chain[index][key]))
    tampered = [dict(item) for item in chain]
    tampered[index][key] = new
    assert verify_chain(tampered) != []


@given(chains(), st.data())
def test_removing_or_reordering_events_breaks_the_chain(chain, data):
    """Dropping an event other than the last, or swapping two, is detected."""
    assume(len(chain) >= 2)
    i = data.draw(st.integers(0, len(chain) - 2))
    assert verify_chain(chain[:i] + chain[i + 1:]) != []
    j = data.draw(st.integers(i + 1, len(chain) - 1))
    swapped = list(chain)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert verify_chain(swapped) != []
