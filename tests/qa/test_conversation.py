from qa.conversation import Conversation, subject_of


def test_subject_extraction() -> None:
    assert "莲前派出所" in subject_of("莲前派出所辖区有多少人口？")
    assert subject_of("那它的面积呢？") == []


def test_follow_up_carries_the_subject(seed_pipeline) -> None:  # noqa: ANN001
    chat = Conversation(seed_pipeline)
    first = chat.ask("莲前派出所辖区有多少人口？")
    assert first.query == first.question
    second = chat.ask("那它的面积呢？")
    assert "莲前派出所" in second.query
    assert second.passages and "莲前" in second.passages[0].text + second.passages[0].title
    # A question with its own subject is not rewritten.
    third = chat.ask("正阳派出所建所多少年了？")
    assert third.query == third.question
