"""Training, the family: the CycleGAN trainer (`train`), the other networks and the losses
(`gan`), the pictures it learns from (`data`), a run's folder (`runs`), and training on several
processes (`distributed`)."""
