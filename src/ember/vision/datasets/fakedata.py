"""FakeData: random images, reproducible per index."""
import ember
from ember.vision.datasets.vision import VisionDataset, _transform_sample

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """Random images and targets (``torchvision.datasets.FakeData``).

    Item ``i`` is drawn with the generator seeded to ``i + random_offset`` (the global RNG
    state is restored afterwards), so the same index always gives the same
    ``(PIL image, int target)``: the image is ``randn(*image_size)`` turned into a PIL image.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        from ember.vision.transforms import functional as TF
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        state = ember.get_rng_state()
        try:
            ember.manual_seed(index + self.random_offset)
            img = ember.randn(*self.image_size)
            target = ember.randint(0, self.num_classes, size=(1,), dtype=ember.long)[0]
        finally:
            ember.set_rng_state(state)
        img = TF.to_pil_image(img)
        target = target.item()
        return _transform_sample(self, img, target)

    def __len__(self):
        return self.size
