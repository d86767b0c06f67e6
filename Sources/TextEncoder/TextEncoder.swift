// TextEncoder module.
