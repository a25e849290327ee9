"""Multi-turn dialogue: what a conversation is about, whether a turn follows up on it, and standalone rewrites.

`entities` finds the named things (stations, people, places, programmes) in text and in the indexed articles;
`forms` reads a turn's shape (pronouns, ellipsis); `context` keeps the subjects of earlier turns, most recent
first; `rewrite` turns a follow-up into standalone questions; `prefer` gives the previous answer's article a
soft preference in retrieval. `qa.conversation.Conversation` puts them together.
"""
