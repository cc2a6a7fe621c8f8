"""The captcha, a blueprint of its own: image + French audio of one challenge.

media.py draws the image and speaks the audio of a text (no Flask); challenge.py keeps a
browser's challenge (encrypted cookie, single use); spent.py remembers answered challenges;
routes.py serves the image, the audio and « Changer l'image ». The forms that ask for a
captcha (activation, « Mot de passe oublié ») include templates/captcha/_captcha.html.
"""
