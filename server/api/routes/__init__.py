"""One module per concern: questions, chat, documents, health, widget files."""
