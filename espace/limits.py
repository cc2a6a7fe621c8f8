"""The limits pages and app.js show, read from the rules themselves: nothing retypes them."""
from .domain import activation, coordinates, credentials, credentials_change, history, identity, signin

LIMITS = {
    "number_digits": identity.NUMBER_DIGITS,
    "email_max": credentials.EMAIL_MAX,
    "password_min": credentials.PASSWORD_MIN,
    "password_max": credentials.PASSWORD_MAX,
    "answer_max": activation.TRUST_ANSWER_MAX,
    "code_length": activation.CODE_LENGTH,
    "code_validity_hours": activation.CODE_VALIDITY_HOURS,
    "email_change_hours": credentials_change.CHANGE_VALIDITY_HOURS,
    "address_line_max": coordinates.LINE_MAX,
    "address_lines_max": coordinates.LINES_MAX,
    "postcode_digits": coordinates.POSTCODE_DIGITS,
    "city_max": coordinates.CITY_MAX,
    "history_months": history.KEPT_MONTHS,
    "signin_code_digits": signin.CODE_DIGITS,
    "signin_code_minutes": signin.CODE_VALIDITY_MINUTES,
    "signin_code_tries": signin.MAX_TRIES,
    "signin_resends": signin.MAX_RESENDS,
    "device_months": signin.DEVICE_LIFETIME_MONTHS,
}
