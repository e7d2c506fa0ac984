import pytest

from addressbook import AddressBook


def make_book():
    book = AddressBook()
    book.add("Grace", "Hopper", "GRACE@navy.mil")
    book.add("Ada", "Lovelace", "ada@example.org", "+44 20 0000")
    book.add("alan", "turing")
    return book


def test_sorted_by_last_name():
    assert make_book().display_names() == ["Grace Hopper", "Ada Lovelace", "alan turing"]


def test_find_by_name_or_email():
    assert [c.name for c in make_book().find("NAVY")] == ["Grace Hopper"]
    assert [c.name for c in make_book().find("love")] == ["Ada Lovelace"]


def test_csv_export():
    assert make_book().to_csv().splitlines()[:2] == ["name,email,phone", "Grace Hopper,grace@navy.mil,"]


def test_initials():
    assert make_book().sorted()[1].initials == "AL"


def test_nameless_contact_rejected():
    with pytest.raises(ValueError):
        AddressBook().add(None, "")
