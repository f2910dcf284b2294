"""ember.vision.models: torchvision.models architectures on ember."""
