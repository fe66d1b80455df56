"""The administration commands speak through the catalog: English by default (no request, the default
locale), and the language the app context is set to otherwise."""
from flask_babel import force_locale


def test_cli_messages_are_english_without_a_request(app, runner):
    assert runner.invoke(args=["units", "create", "CG", "Chengguan station"]).output == "Unit CG created.\n"
    result = runner.invoke(args=["users", "create", "li.na", "--role", "officer", "--password", "short"])
    assert result.exit_code == 1
    assert "Error: The account was not created." in result.output
    assert "  unit: Officers and supervisors belong to a unit." in result.output
    assert "  password: Use at least 10 characters." in result.output


def test_cli_messages_follow_the_locale(app, runner):
    with force_locale("zh_CN"):
        assert runner.invoke(args=["units", "create", "CG", "Chengguan station"]).output == "单位 CG 已创建。\n"
        result = runner.invoke(args=["users", "create", "li.na", "--role", "officer", "--password", "short"])
        assert result.exit_code == 1
        assert "错误：账户未创建。" in result.output
        assert "  unit: 执法人员和负责人必须隶属于一个单位。" in result.output
        assert "  password: 至少使用 10 个字符。" in result.output
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "所有历史链均完好。" in result.output


def test_tracker_locale_sets_the_command_line_language(test_database, tmp_path, monkeypatch):
    """An administrator in China sets TRACKER_LOCALE=zh_CN (zh-CN too) and the commands answer in Chinese."""
    import pytest

    from tests.conftest import _clear, make_config
    from tracker import create_app
    from tracker.config import default_locale

    assert default_locale("zh-CN") == "zh_CN" and default_locale(None) == "en"
    with pytest.raises(RuntimeError, match="TRACKER_LOCALE must be one of en, zh_CN"):
        default_locale("fr")
    app = create_app({**make_config(test_database, tmp_path), "BABEL_DEFAULT_LOCALE": default_locale("zh-CN")})
    try:
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["units", "create", "CG", "Chengguan station"])
            assert result.output == "单位 CG 已创建。\n"
            # A page whose reader names no supported language follows the default too.
            assert "lang=\"zh-CN\"" in app.test_client().get("/auth/login").get_data(as_text=True)
            assert "lang=\"en\"" in app.test_client().get(
                "/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    finally:
        _clear(app)
