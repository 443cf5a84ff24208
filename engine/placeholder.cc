// Intentionally empty until the component lands.
