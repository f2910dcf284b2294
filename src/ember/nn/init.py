"""Weight initialisers (torch.nn.init)."""
