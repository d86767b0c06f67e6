// IndexStore module.
