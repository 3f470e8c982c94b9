"""Filling sandbox mailboxes from Takeout mbox files, .eml files and the demo generator."""

import mailbox

from integrations.gmail.sandbox import GmailSandbox

TAKEOUT = [
    (
        "1790000000000000001",
        'Inbox,Unread,Category Promotions,"Clients, 2024",Opened',
        "<a-1@x.example>",
        None,
        "Offer",
    ),
    ("1790000000000000001", "Sent,Important", "<a-2@x.example>", None, "Re: Offer"),
    ("1790000000000000002", "Archived,Receipts", "<b-1@x.example>", None, "Invoice"),
    ("1790000000000000003", "Inbox", "<c-1@x.example>", "<b-1@x.example>", "Re: Invoice"),
]


def write_takeout(path):
    box = mailbox.mbox(str(path))
    for number, (thread, labels, message_id, reply_to, subject) in enumerate(TAKEOUT):
        message = mailbox.mboxMessage()
        message["X-GM-THRID"] = thread
        message["X-Gmail-Labels"] = labels
        message["From"] = "x@x.example"
        message["Subject"] = subject
        message["Date"] = f"Mon, 0{number + 1} Jan 2024 10:00:00 +0000"
        message["Message-ID"] = message_id
        if reply_to:
            message["In-Reply-To"] = reply_to
        message.set_payload(f"body {number}\n")
        box.add(message)
    box.close()


def test_it_reads_takeout_labels_and_threads(tmp_path):
    write_takeout(tmp_path / "All mail.mbox")
    with GmailSandbox("takeout@example.com") as sandbox:
        assert sandbox.load(tmp_path / "All mail.mbox") == 4
        box = sandbox.mailbox()
        names = {name: label_id for label_id, name in box.user_labels.items()}
        assert set(names) == {"Clients, 2024", "Receipts"}
        by_subject = {message.header("Subject"): message for message in box.messages.values()}
        assert by_subject["Offer"].label_ids == ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS", names["Clients, 2024"]]
        assert by_subject["Invoice"].label_ids == [names["Receipts"]]
        # Same X-GM-THRID: one thread; a reply in Takeout under another thread id stays apart, as in Gmail.
        assert by_subject["Re: Offer"].thread_id == by_subject["Offer"].thread_id
        assert by_subject["Re: Invoice"].thread_id != by_subject["Invoice"].thread_id


def test_it_reads_eml_folders_into_other_mailboxes(gmail_sandbox, tmp_path):
    (tmp_path / "one.eml").write_bytes(b"From: a@x.example\r\nSubject: one\r\n\r\n1\r\n")
    (tmp_path / "two.eml").write_bytes(b"X-Gmail-Labels: Starred\r\nFrom: a@x.example\r\nSubject: two\r\n\r\n2\r\n")
    assert gmail_sandbox.load(tmp_path, "second@example.com") == 2
    labels = sorted(m.label_ids for m in gmail_sandbox.mailbox("second@example.com").messages.values())
    assert labels == [["INBOX", "UNREAD"], ["STARRED"]]
    assert len(gmail_sandbox.mailbox().messages) == 7


def test_it_loads_the_demo_mailbox_the_same_way_twice():
    loads = []
    for _ in range(2):
        with GmailSandbox() as sandbox:
            sandbox.load_demo(count=40, seed=5)
            loads.append(sorted(sandbox.mailbox().messages))
    assert loads[0] == loads[1] and len(loads[0]) >= 7
