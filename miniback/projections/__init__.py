"""Read models written in the writer's transaction: the public history (``public_history``) and the masking of
personal data it stores (``masking``). The domain calls these; they import only the models and extensions."""
