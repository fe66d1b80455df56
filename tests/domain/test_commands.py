"""Each case action's input is declared once (tracker/domain/commands.py): the body parses into its typed command,
and the API's schema and the web forms take their fields and limits from the same declaration."""
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain import commands
from tracker.domain.lifecycle import CaseAction


def test_every_action_has_a_command_with_the_common_fields_first():
    for action in CaseAction:
        names = list(commands.specs(commands.COMMANDS[action]))
        assert names[:2] == ["on", "reason"], action


def test_a_body_parses_into_its_typed_command():
    command = commands.parse_command(CaseAction.FILE, {"on": "2020-02-10", "officers": [" Zhang.Wei ", "li.na"],
                                                       "harm_to_safety": True, "reason": "  late  "})
    assert command == commands.FileCase(on=date(2020, 2, 10), reason="late", officers=("zhang.wei", "li.na"),
                                        act_on=None, harm_to_safety=True)
    payment = commands.parse_command(CaseAction.RECORD_PAYMENT, {"amount": "8060.00", "receipt": "R-1"})
    assert payment.amount == Decimal("8060.00") and payment.on is None and payment.reason == ""
    decide = commands.parse_command(CaseAction.DECIDE, {"collective_discussion": {"on": "2020-03-22",
                                                                                 "participants": ["Sun.Li", "zhou.min"]}})
    assert decide.collective_discussion == commands.Discussion(date(2020, 3, 22), ("sun.li", "zhou.min"))
    assert decide.lines is None and decide.waived is False


@pytest.mark.parametrize("action, body, field", [
    (CaseAction.FILE, {"on": "10/02/2020"}, "on"),
    (CaseAction.FILE, {"harm_to_safety": "yes"}, "harm_to_safety"),
    (CaseAction.DECLINE, {"reason": "x" * (commands.REASON_MAX + 1)}, "reason"),
    (CaseAction.TRANSFER, {"to": "army"}, "to"),
    (CaseAction.PROPOSE_PENALTY, {}, "lines"),
    (CaseAction.PROPOSE_PENALTY, {"lines": [{"kind": "fine", "amount": "1.00"}], "illegal_gains": "-1"}, "illegal_gains"),
    (CaseAction.HOLD_HEARING, {"host": "zhou.min"}, "report"),
    (CaseAction.HOLD_HEARING, {"host": "zhou.min", "report": "x" * (commands.REPORT_MAX + 1)}, "report"),
    (CaseAction.RECORD_PAYMENT, {}, "amount"),
    (CaseAction.RECORD_PAYMENT, {"amount": "1.001"}, "amount"),
    (CaseAction.RECORD_PAYMENT, {"amount": "1.00", "receipt": "r" * (commands.RECEIPT_MAX + 1)}, "receipt"),
    (CaseAction.RECORD_APPEAL, {}, "kind"),
    (CaseAction.RECORD_APPEAL, {"kind": "lawsuit", "reference": "n" * (commands.REFERENCE_MAX + 1)}, "reference"),
    (CaseAction.EXTEND_DEADLINE, {"deadline": "decision", "days": commands.EXTENSION_DAYS_MAX + 1}, "days"),
    (CaseAction.EXTEND_DEADLINE, {"deadline": "decision", "days": True}, "days"),
    (CaseAction.DECIDE, {"collective_discussion": {"on": "2020-03-22"}}, "collective_discussion"),
])
def test_a_body_that_does_not_fit_names_the_field(action, body, field):
    with pytest.raises(commands.CommandInvalid) as misfit:
        commands.parse_command(action, body)
    assert misfit.value.field.split(".")[0] == field


def test_the_api_takes_each_actions_fields_and_limits_from_its_command():
    from tracker.api.cases import ACTION_FIELDS, ACTION_SCHEMAS

    for action, command in commands.COMMANDS.items():
        specs = commands.specs(command)
        assert set(ACTION_FIELDS[action.value]) | {"on", "reason"} == set(specs), action
        schema = ACTION_SCHEMAS[action.value]
        for name, spec in specs.items():
            if spec.limit is None or spec.kind in ("lines", "username", "discussion"):
                continue
            too_long = {"text": "x" * (spec.limit + 1), "usernames": ["a.b"] * (spec.limit + 1),
                        "days": spec.limit + 1}[spec.kind]
            assert name in schema.validate({name: too_long}), (action, name)
            if spec.kind == "usernames":  # the service reads no more than the limit (a web form cannot send more)
                assert len(getattr(commands.parse_command(action, {name: too_long}), name)) == spec.limit
                continue
            with pytest.raises(commands.CommandInvalid):
                commands.parse_command(action, {name: too_long})


def test_the_web_forms_take_their_limits_from_the_commands():
    from wtforms.validators import Length, NumberRange

    from tracker.web.cases import forms

    def maximum(field):
        return next(v.max for v in field.kwargs.get("validators", []) if isinstance(v, (Length, NumberRange)))

    assert maximum(forms.ActionForm.reason) == commands.REASON_MAX
    assert maximum(forms.HearingForm.report) == commands.REPORT_MAX
    assert maximum(forms.PaymentForm.receipt) == commands.RECEIPT_MAX
    assert maximum(forms.AppealForm.reference) == commands.REFERENCE_MAX
    assert maximum(forms.ExtendForm.days) == commands.EXTENSION_DAYS_MAX
