"""torch.utils.data._utils for code that imports collation helpers from their torch path
(`from torch.utils.data._utils.collate import default_collate, collate, ...`)."""
from ember.utils.data._utils import collate  # noqa: F401
