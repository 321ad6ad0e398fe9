package dev.volport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BwLimitTest {
    @Test
    void parsesAndFormats() throws Exception {
        BwLimit b = BwLimit.parse("move=40,default=50,restore=30");
        assertThat(b.defaultKiBps()).hasValue(50);
        assertThat(b.move()).hasValue(40);
        assertThat(b.restore()).hasValue(30);
        assertThat(b.migration()).isEmpty();
        assertThat(b.cloneKiBps()).isEmpty();
        assertThat(b.format()).isEqualTo("default=50,restore=30,move=40");
        assertThat(BwLimit.parse(b.format())).isEqualTo(b);
        assertThat(BwLimit.parse("clone=0,migration=9007199254740991").migration()).hasValue(BwLimit.MAX_KIBPS);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> BwLimit.parse("speed=1")).isInstanceOf(ConfigException.class)
                .hasMessage("invalid bwlimit 'speed=1': unknown key 'speed' (expected one of default, restore,"
                        + " migration, clone, move)");
        assertThatThrownBy(() -> BwLimit.parse("move=1,move=2"))
                .hasMessage("invalid bwlimit 'move=1,move=2': duplicate key 'move'");
        assertThatThrownBy(() -> BwLimit.parse("move=-1"))
                .hasMessage("invalid bwlimit 'move=-1': expected a whole number of KiB/s in [0, 9007199254740991]"
                        + " for 'move', found '-1'");
        assertThatThrownBy(() -> BwLimit.parse("move=1.5")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BwLimit.parse("move=9007199254740992")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BwLimit.parse("move=99999999999999999999")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BwLimit.parse("")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> BwLimit.parse("move")).hasMessage("invalid bwlimit 'move': expected KEY=KiB/s,"
                + " found 'move'");
        assertThatThrownBy(() -> new BwLimit(OptionalLong.of(-1), OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty())).isInstanceOf(IllegalArgumentException.class);
    }
}
