"""好差评: the enterprise rates each finished case."""
