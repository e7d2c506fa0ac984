from addressbook import AddressBook


def test_single_names():
    book = AddressBook()
    book.add("Pelé", None)
    book.add(None, "Teller", "teller@example.org")
    book.add("Ada", "Lovelace")
    book.add("Cher", "")
    assert book.display_names() == ["Cher", "Ada Lovelace", "Pelé", "Teller"]
    assert [c.name for c in book.find("tell")] == ["Teller"]


def test_csv_with_single_name():
    book = AddressBook()
    book.add(None, "Teller", "Teller@Example.org")
    assert book.to_csv() == "name,email,phone\nTeller,teller@example.org,\n"
