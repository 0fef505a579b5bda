"""The content rules: required sections, figures in 万元 with two decimals, non-negative but
for net assets, the balance, and the explanation of unregistered changes."""

from bianzhi.annualreports import content

from .conftest import good_content


def fields(errors: list[dict]) -> list[str]:
    return [e["field"] for e in errors]


def test_a_complete_report_passes():
    assert content.validate(content.normalize(good_content())) == []


def test_an_empty_report_lists_every_required_field_in_form_order():
    errors = content.validate(content.normalize({}))
    assert fields(errors) == [
        "activities.text",
        "assets.total_assets",
        "assets.total_liabilities",
        "assets.net_assets_opening",
        "assets.net_assets_closing",
        "assets.revenue",
        "assets.expenditure",
        "results.text",
        "compliance.changes_registered",
        "performance.text",
    ]
    assert errors[0]["message_en"] == "activities.text is required"
    assert all(e["message"] for e in errors)


def test_net_assets_must_equal_assets_minus_liabilities():
    stored = content.normalize(good_content(assets__net_assets_closing="1000.00"))
    errors = content.validate(stored)
    assert fields(errors) == ["assets.net_assets_closing"]
    assert "1000.25" in errors[0]["message"] and "1000.25" in errors[0]["message_en"]


def test_net_assets_may_be_negative_when_liabilities_exceed_assets():
    stored = content.normalize(
        good_content(
            assets__total_assets="100.00",
            assets__total_liabilities="150.00",
            assets__net_assets_closing="-50.00",
            assets__net_assets_opening="-20",
        )
    )
    assert content.validate(stored) == []


def test_figures_are_numbers_with_two_decimals_and_not_negative():
    stored = content.normalize(
        good_content(
            assets__revenue="abc",
            assets__expenditure="-1.00",
            assets__total_liabilities="200.255",
            donations__amount="1e400",
        )
    )
    errors = content.validate(stored)
    assert fields(errors) == [
        "assets.total_liabilities",
        "assets.revenue",
        "assets.expenditure",
        "donations.amount",
    ]
    assert errors[0]["message_en"].endswith("at most 2 decimals (10,000 yuan)")
    assert errors[1]["message_en"] == "assets.revenue must be a number"
    assert errors[2]["message_en"] == "assets.expenditure cannot be negative"


def test_a_change_not_registered_needs_an_explanation():
    stored = content.normalize(good_content(compliance__changes_registered=False))
    assert fields(content.validate(stored)) == ["compliance.text"]
    stored["compliance"]["text"] = "住所变更尚在办理。"
    assert content.validate(stored) == []


def test_form_values_and_nested_values_give_the_same_content():
    flat = {"activities.text": " 开展服务 ", "compliance.changes_registered": "no"}
    nested = {"activities": {"text": "开展服务"}, "compliance": {"changes_registered": False}}
    assert content.normalize(flat) == content.normalize(nested)
    assert content.normalize(flat)["activities"]["text"] == "开展服务"


def test_unknown_keys_are_dropped_and_text_is_limited():
    stored = content.normalize({"reviewer": "x", "activities": {"text": "字" * 5001, "x": 1}})
    assert "reviewer" not in stored and "x" not in stored["activities"]
    assert content.validate(stored)[0]["field"] == "activities.text"
    assert "5000" in content.validate(stored)[0]["message"]
