// VisionEncoder module.
