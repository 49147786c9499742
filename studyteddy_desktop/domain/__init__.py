"""Plain types shared by every layer: enums, DTOs and errors."""
