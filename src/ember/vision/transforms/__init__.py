"""ember.vision.transforms: torchvision.transforms on ember."""
