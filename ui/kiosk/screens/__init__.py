"""The kiosk's screens: welcome, identify, menu, request a letter, my requests, complaint, info."""
