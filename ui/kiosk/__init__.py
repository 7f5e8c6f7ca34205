"""The self-service kiosk (anjungan mandiri): full-screen, touch-first screens for residents."""
