"""The pages are Simplified Chinese by default and English on request
(docs/decisions/0003-chinese-message-ids.md)."""

from __future__ import annotations


def test_the_login_page_is_chinese_by_default(city, client):
    page = client.get("/accounts/login/").content.decode()

    assert '<html lang="zh-hans">' in page
    assert "用户名" in page and "密码" in page
    assert "Username" not in page and "Log in" not in page


def test_the_login_page_is_english_for_a_browser_asking_for_english(city, client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in page
    assert "Log in" in page and "Username" in page and "Password" in page
    assert "用户名" not in page


def test_the_home_page_is_chinese_by_default(city, login):
    page = login(city.users["county_user"]).get("/").content.decode()

    assert "您好，李铁西" in page
    assert "单位经办人" in page  # the role label
    assert "退出" in page
    assert "Hello" not in page and "Log out" not in page


def test_choosing_english_in_the_language_menu_turns_the_home_page_english(city, login):
    client = login(city.users["county_user"])

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()

    assert response.status_code == 302 and response["Location"] == "/"
    assert '<html lang="en">' in page
    assert "Hello, 李铁西" in page  # names are data and stay as they are
    assert "Unit handler" in page  # the role label, translated
    assert "Log out" in page and "Responsibility lists" in page
    assert "您好" not in page and "单位经办人" not in page and "退出" not in page


def test_the_case_list_is_chinese_by_default_and_english_on_request(city, login):
    client = login(city.users["dispatcher"])

    chinese = client.get("/cases/").content.decode()
    english = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="zh-hans">' in chinese
    for text in ["问题清单", "我的待办", "超期督办", "登记问题", "没有符合条件的问题"]:
        assert text in chinese and text not in english
    assert '<html lang="en">' in english
    assert 'id="nav-cases">Cases</a>' in english and 'id="nav-inbox">Inbox</a>' in english
    for text in ["Overdue board", "Register case", "No matching cases"]:
        assert text in english and text not in chinese
    assert "王调度" in english  # names are data and stay as they are
