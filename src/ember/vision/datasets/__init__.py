"""ember.vision.datasets: torchvision.datasets on ember."""
