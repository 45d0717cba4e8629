package io.corral.coordinator.state;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The core is deterministic and I/O-free: every replica must compute the same state from the same log. So it may not
 * touch the network, the store or Raft, and may not read a clock or a random source; time and indexes come in as
 * parameters.
 */
@AnalyzeClasses(packages = "io.corral.coordinator.state", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    @ArchTest
    static final ArchRule noInfrastructure = noClasses()
            .that()
            .resideInAPackage("io.corral.coordinator.state..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.netty..", "org.rocksdb..", "org.apache.ratis..", "java.net..", "java.nio.channels..")
            .because("the state core is pure: adapters outside it do I/O");

    @ArchTest
    static final ArchRule noClocksOrRandomness = noClasses()
            .that()
            .resideInAPackage("io.corral.coordinator.state..")
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.time.Clock")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.util.Random")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.security.SecureRandom")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.util.concurrent.ThreadLocalRandom")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.util.UUID")
            .orShould()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(java.time.Instant.class, "now")
            .orShould()
            .callMethod(Math.class, "random")
            .because("apply must be deterministic: time is the leader's, carried in the entry");

    @ArchTest
    static final ArchRule noOtherCoordinatorPackages = noClasses()
            .that()
            .resideInAPackage("io.corral.coordinator.state..")
            .should()
            .dependOnClassesThat(resideInAPackage("io.corral.coordinator..")
                    .and(resideOutsideOfPackage("io.corral.coordinator.state..")))
            .because("adapters depend on the core, never the reverse");
}
