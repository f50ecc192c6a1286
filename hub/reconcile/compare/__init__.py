"""The comparison library: comparison kinds, blocking rules and Fellegi–Sunter weights for any entity."""
