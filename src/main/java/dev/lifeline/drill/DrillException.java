package dev.lifeline.drill;

/** The drill cannot start or go on, for a reason a person can act on (the gateway is not there, no admin rights...). */
public final class DrillException extends Exception {
    public DrillException(String message) {
        super(message);
    }
}
