"""Training the transformer reader (loaded only by `qa train-reader`)."""
